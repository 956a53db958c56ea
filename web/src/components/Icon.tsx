/** Icons as inline SVG (never emoji or dingbat characters, which render as empty boxes where
 * no font has them). Decorative: hidden from screen readers; the control around an icon keeps
 * its own accessible name. Drawn in the text's color, sized to the text (`.icon`). */
import type { ReactNode } from "react";

function Svg({ name, children }: { name: string; children: ReactNode }) {
  return (
    <svg
      className={`icon icon-${name}`}
      data-icon={name}
      viewBox="0 0 24 24"
      width="1em"
      height="1em"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {children}
    </svg>
  );
}

export function BellIcon() {
  return (
    <Svg name="bell">
      <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </Svg>
  );
}

export function CheckIcon() {
  return (
    <Svg name="check">
      <path d="M20 6 9 17l-5-5" />
    </Svg>
  );
}

export function CrossIcon() {
  return (
    <Svg name="cross">
      <path d="M18 6 6 18" />
      <path d="m6 6 12 12" />
    </Svg>
  );
}

export function PencilIcon() {
  return (
    <Svg name="pencil">
      <path d="M17 3a2.85 2.85 0 1 1 4 4L7.5 20.5 2 22l1.5-5.5Z" />
    </Svg>
  );
}

export function ArrowLeftIcon() {
  return (
    <Svg name="arrow-left">
      <path d="M19 12H5" />
      <path d="m12 19-7-7 7-7" />
    </Svg>
  );
}

export function ArrowRightIcon() {
  return (
    <Svg name="arrow-right">
      <path d="M5 12h14" />
      <path d="m12 5 7 7-7 7" />
    </Svg>
  );
}

export function MenuIcon() {
  return (
    <Svg name="menu">
      <path d="M4 6h16" />
      <path d="M4 12h16" />
      <path d="M4 18h16" />
    </Svg>
  );
}

export function FilterIcon() {
  return (
    <Svg name="filter">
      <path d="M3 5h18l-7 8.5V19l-4 2v-7.5Z" />
    </Svg>
  );
}

export function ChevronDownIcon() {
  return (
    <Svg name="chevron-down">
      <path d="m6 9 6 6 6-6" />
    </Svg>
  );
}

export function PaperclipIcon() {
  return (
    <Svg name="paperclip">
      <path d="m21.44 11.05-9.19 9.19a6 6 0 0 1-8.49-8.49l8.57-8.57A4 4 0 1 1 18 8.84l-8.59 8.57a2 2 0 0 1-2.83-2.83l8.49-8.48" />
    </Svg>
  );
}

export function ChatIcon() {
  return (
    <Svg name="chat">
      <path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z" />
    </Svg>
  );
}
