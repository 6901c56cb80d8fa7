// A small XML 1.0 well-formedness check for report tests: one root, tags
// balanced, attributes quoted and unique, only the five predefined entities or
// character references, no markup characters in text. Returns the elements
// (name, attributes, text) so tests can look inside without a parser dependency.

export interface XmlElement {
  readonly name: string;
  readonly attributes: Record<string, string>;
  readonly children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const INVALID_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Parses `xml` or throws an Error saying what is wrong and where. */
export function parseWellFormedXml(xml: string): XmlElement {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`not well-formed at offset ${i}: ${what} near ${JSON.stringify(xml.slice(i, i + 40))}`);
  };
  const bad = INVALID_CHAR.exec(xml);
  if (bad !== null) {
    i = bad.index;
    fail(`character U+${bad[0].codePointAt(0)!.toString(16)} is not allowed in XML`);
  }
  const decode = (raw: string): string =>
    raw.replace(/&([^;]*);?/g, (m, ref: string) => {
      if (!m.endsWith(';')) fail(`unterminated reference ${m}`);
      if (ref in ENTITIES) return ENTITIES[ref]!;
      const num = /^#(x[0-9a-fA-F]+|[0-9]+)$/.exec(ref);
      if (num === null) return fail(`unknown entity &${ref};`);
      const code = num[1]!.startsWith('x') ? Number.parseInt(num[1]!.slice(1), 16) : Number(num[1]);
      return String.fromCodePoint(code);
    });
  const skipSpace = () => {
    while (i < xml.length && /\s/.test(xml[i]!)) i++;
  };
  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end === -1) fail('unterminated XML declaration');
    i = end + 2;
  }
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  for (;;) {
    const lt = xml.indexOf('<', i);
    const textEnd = lt === -1 ? xml.length : lt;
    const raw = xml.slice(i, textEnd);
    if (raw.includes('>')) fail('raw > in text (write &gt;)');
    if (stack.length === 0 && raw.trim() !== '') fail('text outside the root element');
    if (stack.length > 0) stack[stack.length - 1]!.text += decode(raw);
    i = textEnd;
    if (lt === -1) break;
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i + 4);
      if (end === -1) fail('unterminated comment');
      i = end + 3;
      continue;
    }
    if (xml.startsWith('</', i)) {
      i += 2;
      const name = NAME.exec(xml.slice(i))?.[0] ?? fail('bad closing tag name');
      i += name.length;
      skipSpace();
      if (xml[i] !== '>') fail('expected > after closing tag name');
      i++;
      const open = stack.pop() ?? fail(`closing </${name}> with nothing open`);
      if (open.name !== name) fail(`</${name}> closes <${open.name}>`);
      continue;
    }
    i++;
    const name = NAME.exec(xml.slice(i))?.[0] ?? fail('bad tag name');
    i += name.length;
    const el: XmlElement = { name, attributes: {}, children: [], text: '' };
    for (;;) {
      const before = i;
      skipSpace();
      if (xml.startsWith('/>', i) || xml[i] === '>') break;
      if (i === before) fail('expected whitespace before an attribute');
      const attr = NAME.exec(xml.slice(i))?.[0] ?? fail('bad attribute name');
      i += attr.length;
      skipSpace();
      if (xml[i] !== '=') fail(`attribute ${attr} has no =`);
      i++;
      skipSpace();
      const quote = xml[i];
      if (quote !== '"' && quote !== "'") fail(`attribute ${attr} is not quoted`);
      const end = xml.indexOf(quote!, i + 1);
      if (end === -1) fail(`attribute ${attr} is not closed`);
      const value = xml.slice(i + 1, end);
      if (value.includes('<')) fail(`raw < in attribute ${attr}`);
      if (attr in el.attributes) fail(`attribute ${attr} given twice`);
      el.attributes[attr] = decode(value);
      i = end + 1;
    }
    if (stack.length === 0) {
      if (root !== undefined) fail('a second root element');
      root = el;
    } else stack[stack.length - 1]!.children.push(el);
    if (xml.startsWith('/>', i)) i += 2;
    else {
      i++;
      stack.push(el);
    }
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1]!.name}> is never closed`);
  return root ?? fail('no root element');
}

/** Every element named `name` under `el`, depth first. */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    if (e.name === name) out.push(e);
    for (const c of e.children) walk(c);
  };
  walk(el);
  return out;
}
