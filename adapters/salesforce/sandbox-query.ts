/**
 * The small part of SOQL the sandbox answers: enough for a person to look at the leads that
 * arrived, and for the adapter's person lookup (`IN` lists joined by `OR`, a parent relationship
 * field such as `ConvertedContact.Email`).
 */
export type Literal = string | number | boolean | null;

export type Condition =
  | { field: string; op: '='; value: Literal }
  | { field: string; op: 'IN'; values: Literal[] }
  | { and: Condition[] }
  | { or: Condition[] };

export interface SimpleQuery {
  /** Field names as written; a parent field is `Relationship.Field`. */
  fields: string[];
  object: string;
  where: Condition | undefined;
  limit: number | undefined;
}

const QUERY = /^\s*SELECT\s+(.+?)\s+FROM\s+(\w+)(?:\s+WHERE\s+(.+?))?(?:\s+LIMIT\s+(\d+))?\s*$/is;
const FIELD = /^\w+(?:\.\w+)?$/;
const TOKEN = /\s*('(?:[^'\\]|\\.)*'|\(|\)|,|=|[\w.-]+)/y;

/** Parses `SELECT f1, R.f2 FROM Object [WHERE …] [LIMIT n]`; returns a problem text otherwise. */
export function parseQuery(soql: string): SimpleQuery | string {
  const match = QUERY.exec(soql);
  if (!match)
    return 'The sandbox understands SELECT <fields> FROM <object> [WHERE f = value | f IN (…) [AND|OR …]] [LIMIT n]';
  const [, fieldList = '', object = '', whereText, limitText] = match;
  const fields = fieldList.split(',').map((field) => field.trim());
  if (fields.some((field) => !FIELD.test(field))) return `unexpected token in field list: '${fieldList}'`;
  let where: Condition | undefined;
  if (whereText) {
    const tokens = tokenize(whereText);
    if (typeof tokens === 'string') return tokens;
    const parser = new ConditionParser(tokens);
    const parsed = parser.expression();
    if (typeof parsed === 'string') return parsed;
    if (!parser.done()) return `unexpected token: '${parser.peek()}'`;
    where = parsed;
  }
  return { fields, object, where, limit: limitText === undefined ? undefined : Number(limitText) };
}

/** The conditions' fields, for checking that each exists. */
export function conditionFields(condition: Condition | undefined): string[] {
  if (!condition) return [];
  if ('and' in condition) return condition.and.flatMap(conditionFields);
  if ('or' in condition) return condition.or.flatMap(conditionFields);
  return [condition.field];
}

/** Whether a record matches; text compares case-insensitively, as SOQL does. */
export function matches(condition: Condition | undefined, read: (field: string) => unknown): boolean {
  if (!condition) return true;
  if ('and' in condition) return condition.and.every((part) => matches(part, read));
  if ('or' in condition) return condition.or.some((part) => matches(part, read));
  const stored = read(condition.field);
  if (condition.op === '=') return sameValue(stored, condition.value);
  return condition.values.some((value) => sameValue(stored, value));
}

function sameValue(stored: unknown, wanted: Literal): boolean {
  if (wanted === null) return stored === undefined || stored === null;
  if (typeof wanted === 'string' && typeof stored === 'string')
    return stored.toLowerCase() === wanted.toLowerCase();
  return stored === wanted;
}

function tokenize(text: string): string[] | string {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const token = TOKEN.exec(text);
    if (!token) return `unexpected token: '${text.slice(at).trim().slice(0, 40)}'`;
    tokens.push(token[1] ?? '');
  }
  return tokens;
}

/** expression = term (OR term)*; term = factor (AND factor)*; factor = ( expression ) | field = literal | field IN ( literal, … ). */
class ConditionParser {
  private index = 0;
  private readonly tokens: string[];

  constructor(tokens: string[]) {
    this.tokens = tokens;
  }

  done(): boolean {
    return this.index >= this.tokens.length;
  }

  peek(): string {
    return this.tokens[this.index] ?? '';
  }

  expression(): Condition | string {
    const parts: Condition[] = [];
    for (;;) {
      const term = this.term();
      if (typeof term === 'string') return term;
      parts.push(term);
      if (this.peek().toUpperCase() !== 'OR') break;
      this.index += 1;
    }
    return parts.length === 1 ? (parts[0] as Condition) : { or: parts };
  }

  private term(): Condition | string {
    const parts: Condition[] = [];
    for (;;) {
      const factor = this.factor();
      if (typeof factor === 'string') return factor;
      parts.push(factor);
      if (this.peek().toUpperCase() !== 'AND') break;
      this.index += 1;
    }
    return parts.length === 1 ? (parts[0] as Condition) : { and: parts };
  }

  private factor(): Condition | string {
    if (this.peek() === '(') {
      this.index += 1;
      const inner = this.expression();
      if (typeof inner === 'string') return inner;
      if (this.next() !== ')') return 'expected )';
      return inner;
    }
    const field = this.next();
    if (!FIELD.test(field)) return `unexpected token: '${field}'`;
    const op = this.next();
    if (op === '=') {
      const value = literal(this.next());
      return typeof value === 'object' && value !== null ? value.problem : { field, op: '=', value };
    }
    if (op.toUpperCase() !== 'IN') return `unexpected token: '${op}'`;
    if (this.next() !== '(') return 'expected ( after IN';
    const values: Literal[] = [];
    for (;;) {
      const value = literal(this.next());
      if (typeof value === 'object' && value !== null) return value.problem;
      values.push(value);
      const separator = this.next();
      if (separator === ')') break;
      if (separator !== ',') return `unexpected token in IN list: '${separator}'`;
    }
    return { field, op: 'IN', values };
  }

  private next(): string {
    const token = this.tokens[this.index] ?? '';
    this.index += 1;
    return token;
  }
}

function literal(token: string): Literal | { problem: string } {
  if (token.startsWith("'")) return token.slice(1, -1).replace(/\\(.)/g, '$1');
  const lower = token.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  if (/^-?\d+(?:\.\d+)?$/.test(token)) return Number(token);
  return { problem: `unexpected token: '${token}'` };
}
