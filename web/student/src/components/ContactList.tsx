import type { SupportContact } from '../../../../src/domain/api.js';

export function ContactList({ contacts }: { contacts: SupportContact[] }) {
  if (contacts.length === 0) return <p className="muted">请联系所在学习中心。</p>;
  return (
    <ul className="contacts">
      {contacts.map((c) => (
        <li key={`${c.label}-${c.phone ?? c.email ?? c.wechat ?? ''}`}>
          <strong>{c.label}</strong>
          {c.phone ? (
            <a href={`tel:${c.phone}`} className="contact-line">
              电话 {c.phone}
            </a>
          ) : null}
          {c.wechat ? <span className="contact-line">微信 {c.wechat}</span> : null}
          {c.email ? (
            <a href={`mailto:${c.email}`} className="contact-line">
              邮箱 {c.email}
            </a>
          ) : null}
          {c.hours ? <span className="contact-line muted">服务时间 {c.hours}</span> : null}
        </li>
      ))}
    </ul>
  );
}
