import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** A TCP socket a process listens on, read from /proc (Linux): address and port. */
export interface ListeningSocket {
  address: string;
  port: number;
}

/**
 * Every TCP socket `pid` listens on: its socket inodes from /proc/<pid>/fd, matched against the
 * LISTEN rows (state 0A) of /proc/net/tcp and tcp6. No `ss` or `lsof` needed.
 */
export function listeningSockets(pid: number): ListeningSocket[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1]) inodes.add(match[1]);
    } catch {
      // The descriptor closed while we looked.
    }
  }
  const sockets: ListeningSocket[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, state, inode] = [fields[1], fields[3], fields[9]];
      if (!local || state !== '0A' || !inode || !inodes.has(inode)) continue;
      const [hex, port] = local.split(':');
      sockets.push({ address: decodeAddress(hex ?? ''), port: Number.parseInt(port ?? '0', 16) });
    }
  }
  return sockets;
}

/** /proc/net's little-endian hex addresses: 0100007F is 127.0.0.1. */
function decodeAddress(hex: string): string {
  if (hex.length === 8) {
    return [6, 4, 2, 0].map((at) => Number.parseInt(hex.slice(at, at + 2), 16)).join('.');
  }
  if (/^0{24}0{8}$/.test(hex)) return '::';
  if (hex === '00000000000000000000000001000000') return '::1';
  return hex;
}
