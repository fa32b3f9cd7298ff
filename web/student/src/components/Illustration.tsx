// Small line drawings for the rules and tips: a head with the one detail the rule is about.
// Inline SVG keeps them crisp and costs a few hundred bytes instead of image requests.
import type { ReactNode } from 'react';
import type { RuleIconName, TipIconName } from '../rules.js';

const head = <ellipse cx="32" cy="28" rx="13" ry="16" fill="#fde7d4" stroke="#444" strokeWidth="2" />;
const body = <path d="M10 62c2-11 11-16 22-16s20 5 22 16" fill="#cfe3ff" stroke="#444" strokeWidth="2" />;
const eyes = (
  <g fill="#333">
    <circle cx="27" cy="27" r="1.8" />
    <circle cx="37" cy="27" r="1.8" />
  </g>
);
const mouth = <path d="M28 36h8" stroke="#333" strokeWidth="2" strokeLinecap="round" />;

const details: Record<RuleIconName | TipIconName, ReactNode> = {
  hat: <path d="M17 18c2-10 28-10 30 0l-3 3H20Z" fill="#e5484d" opacity="0.85" />,
  hair: <path d="M19 24c1-12 25-14 26 0-5-5-17-5-26 0Z" fill="#333" />,
  eyes: <path d="M22 23h8M34 23h8" stroke="#1677ff" strokeWidth="2" />,
  jewelry: <circle cx="19" cy="33" r="2.5" fill="none" stroke="#e5a600" strokeWidth="2" />,
  mouth: <path d="M27 37q5 2 10 0" stroke="#1677ff" strokeWidth="2" fill="none" />,
  makeup: <circle cx="32" cy="36" r="3" fill="#ff8fa3" opacity="0.5" />,
  glasses: (
    <g fill="none" stroke="#333" strokeWidth="1.6">
      <circle cx="27" cy="27" r="4.5" />
      <circle cx="37" cy="27" r="4.5" />
      <path d="M31.5 27h1" />
    </g>
  ),
  clothes: <path d="M14 58h36M16 54h32" stroke="#1677ff" strokeWidth="2" opacity="0.5" />,
  rear: <rect x="44" y="6" width="14" height="22" rx="3" fill="#fff" stroke="#1677ff" strokeWidth="2" />,
  centre: <rect x="8" y="4" width="48" height="56" rx="4" fill="none" stroke="#1677ff" strokeDasharray="4 3" />,
  wall: <rect x="2" y="2" width="60" height="60" fill="none" stroke="#bbb" strokeWidth="2" />,
  light: (
    <g stroke="#e5a600" strokeWidth="2">
      <circle cx="54" cy="9" r="4" fill="#ffd666" />
      <path d="M54 1v2M62 9h-2M48 9h-2" />
    </g>
  ),
};

export function Illustration({ name, forbidden }: { name: RuleIconName | TipIconName; forbidden?: boolean }) {
  return (
    <svg viewBox="0 0 64 64" width="56" height="56" aria-hidden="true" className="illustration">
      {body}
      {head}
      {eyes}
      {mouth}
      {details[name]}
      {forbidden ? <path d="M6 58 58 6" stroke="#e5484d" strokeWidth="3" opacity="0.8" /> : null}
    </svg>
  );
}
