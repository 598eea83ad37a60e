/**
 * A small XML reader for tests: elements, attributes and text, throwing on
 * anything not well-formed (unclosed or crossed tags, bad entities). Enough
 * to check the JUnit documents the audit writes.
 */

/** One element. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string): string {
  if (/[<]/.test(s)) throw new Error(`raw < in text: ${s}`);
  return s.replace(/&([a-z]+|#\d+);|&/g, (m, name?: string) => {
    if (!name) throw new Error(`bare & in ${s}`);
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    if (!(name in ENTITIES)) throw new Error(`unknown entity &${name};`);
    return ENTITIES[name]!;
  });
}

/** Parse a document; throws when it is not well-formed. */
export function parseXml(doc: string): XmlElement {
  const body = doc.replace(/^<\?xml[^?]*\?>\s*/, '');
  const root: XmlElement = { name: '#root', attributes: {}, children: [], text: '' };
  const stack = [root];
  const tag = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < body.length && (m = tag.exec(body))) {
    pos = tag.lastIndex;
    const top = stack[stack.length - 1]!;
    if (m[5] !== undefined) {
      top.text += decode(m[5]);
      continue;
    }
    if (m[1]) {
      if (top.name !== m[2]) throw new Error(`</${m[2]}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const attributes: Record<string, string> = {};
    for (const a of (m[3] ?? '').matchAll(/([\w.-]+)="([^"]*)"/g)) attributes[a[1]!] = decode(a[2]!);
    const el: XmlElement = { name: m[2]!, attributes, children: [], text: '' };
    top.children.push(el);
    if (!m[4]) stack.push(el);
  }
  if (pos !== body.length) throw new Error(`not XML at ${pos}: ${body.slice(pos, pos + 40)}`);
  if (stack.length !== 1 || root.children.length !== 1) throw new Error('unclosed elements or more than one root');
  return root.children[0]!;
}
