/** The small part of SOQL the sandbox answers: enough for a person to look at the leads that arrived. */
export interface SimpleQuery {
  fields: string[];
  object: string;
  /** Equalities joined by AND. */
  where: { field: string; value: string | number | boolean | null }[];
  limit: number | undefined;
}

const QUERY = /^\s*SELECT\s+(.+?)\s+FROM\s+(\w+)(?:\s+WHERE\s+(.+?))?(?:\s+LIMIT\s+(\d+))?\s*$/is;
const CONDITION = /^\s*(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|-?\d+(?:\.\d+)?|true|false|null)\s*$/i;

/** Parses `SELECT f1, f2 FROM Object [WHERE f = 'v' [AND …]] [LIMIT n]`; returns a problem text otherwise. */
export function parseQuery(soql: string): SimpleQuery | string {
  const match = QUERY.exec(soql);
  if (!match)
    return 'The sandbox understands SELECT <fields> FROM <object> [WHERE f = value [AND …]] [LIMIT n]';
  const [, fieldList = '', object = '', whereText, limitText] = match;
  const fields = fieldList.split(',').map((field) => field.trim());
  if (fields.some((field) => !/^\w+$/.test(field))) return `unexpected token in field list: '${fieldList}'`;
  const where: SimpleQuery['where'] = [];
  if (whereText) {
    for (const part of whereText.split(/\s+AND\s+/i)) {
      const condition = CONDITION.exec(part);
      if (!condition) return `unexpected token: '${part.trim()}'`;
      const [, field = '', literal = ''] = condition;
      where.push({ field, value: parseLiteral(literal) });
    }
  }
  return { fields, object, where, limit: limitText === undefined ? undefined : Number(limitText) };
}

function parseLiteral(literal: string): string | number | boolean | null {
  if (literal.startsWith("'")) return literal.slice(1, -1).replace(/\\(.)/g, '$1');
  const lower = literal.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  return Number(literal);
}
