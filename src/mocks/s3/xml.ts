// S3's XML: responses are built from a tiny element tree with strict escaping; request bodies
// (DeleteObjects, CompleteMultipartUpload) are validated and parsed with fast-xml-parser.

import { XMLParser, XMLValidator } from 'fast-xml-parser';

export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

export type XmlChild = XmlElement | undefined | false | null;
export interface XmlElement {
  name: string;
  text?: string;
  children?: XmlChild[];
}

/** An element with text content (numbers and booleans printed as S3 does) or child elements. */
export function el(name: string, content: string | number | boolean | XmlChild[]): XmlElement {
  if (Array.isArray(content)) return { name, children: content };
  return { name, text: String(content) };
}

/** Optional text element: omitted when the value is undefined. */
export function opt(name: string, value: string | number | boolean | undefined): XmlElement | undefined {
  return value === undefined ? undefined : el(name, value);
}

export function xmlDocument(root: XmlElement, namespace: string | undefined = S3_NAMESPACE): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${render(root, namespace)}`;
}

function render(node: XmlElement, namespace?: string): string {
  const open = namespace ? `<${node.name} xmlns="${namespace}">` : `<${node.name}>`;
  if (node.children) {
    const inner = node.children.filter((c): c is XmlElement => !!c).map((c) => render(c)).join('');
    return `${open}${inner}</${node.name}>`;
  }
  return `${open}${escapeXml(node.text ?? '')}</${node.name}>`;
}

export function escapeXml(text: string): string {
  // eslint-disable-next-line no-control-regex -- XML 1.0 cannot carry control characters as text; S3 writes them as references.
  return text.replace(/[&<>"'\r\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      default:
        // Control characters as S3 writes them (only ListObjectsV2 with encoding-type=url is safe for them).
        return `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`;
    }
  });
}

export type ParsedXml = { [name: string]: string | ParsedXml | ParsedXml[] | undefined };

const parser = new XMLParser({
  // Keys are data: "007" stays a string, " a " keeps its spaces.
  parseTagValue: false,
  trimValues: false,
  ignoreAttributes: true,
  removeNSPrefix: true,
  htmlEntities: true,
  isArray: (name) => name === 'Object' || name === 'Part',
});

/** Parses a request body; undefined when it is not well-formed XML. */
export function parseXml(text: string): ParsedXml | undefined {
  if (text.trim() === '' || XMLValidator.validate(text) !== true) return undefined;
  try {
    return parser.parse(text) as ParsedXml;
  } catch {
    return undefined;
  }
}

/** The text of a child element ('' for an empty element), undefined when absent or not text. */
export function textOf(node: ParsedXml | undefined, name: string): string | undefined {
  const v = node?.[name];
  if (v === '' || typeof v === 'string') return v;
  return undefined;
}
