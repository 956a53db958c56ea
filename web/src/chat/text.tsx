// Chat text on display: plain text only. What a person typed is never markup: React escapes
// every piece, and the only elements made here are links for http(s) addresses (and
// www. ones) found in the text, opened in a new tab without the opener.
import type { ReactNode } from "react";

const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"]+/giu;
// Punctuation that ends a sentence rather than the address ("see https://x.ru.").
const TRAILING = /[.,;:!?)»"']+$/u;

/** The text with its web addresses made clickable; line breaks kept by the CSS. */
export function LinkifiedText({ text }: { text: string }) {
  const parts: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    const start = match.index ?? 0;
    let address = match[0];
    const tail = TRAILING.exec(address)?.[0] ?? "";
    if (tail) address = address.slice(0, -tail.length);
    if (!address) continue;
    const href = address.toLowerCase().startsWith("www.") ? `https://${address}` : address;
    if (start > last) parts.push(text.slice(last, start));
    parts.push(
      <a key={start} href={href} target="_blank" rel="noopener noreferrer nofollow">
        {address}
      </a>,
    );
    last = start + address.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return <>{parts}</>;
}

/** A search hit's fragment: the server splits ts_headline's output into plain pieces (matches
 *  flagged), so nothing is parsed as markup here; the matches are <mark>. */
export function Highlighted({ parts }: { parts: readonly { text: string; match: boolean }[] }) {
  return (
    <>
      {parts.map((part, index) => (part.match ? <mark key={index}>{part.text}</mark> : <span key={index}>{part.text}</span>))}
    </>
  );
}
