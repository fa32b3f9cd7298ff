import { NavBar } from 'antd-mobile';
import type { ReactNode } from 'react';
import { goBack } from '../router.js';

interface Props {
  title: string;
  children: ReactNode;
  /** Sticky bottom area for the main action, within thumb reach. */
  footer?: ReactNode;
  /** Where back goes when there is no history (opened from a link). */
  backTo?: string;
  onBack?: () => void;
  dark?: boolean;
}

export function Page({ title, children, footer, backTo = '/', onBack, dark }: Props) {
  return (
    <div className={dark ? 'page page-dark' : 'page'}>
      <NavBar className="page-nav" onBack={onBack ?? (() => goBack(backTo))} backIcon={true}>
        {title}
      </NavBar>
      <main className="page-body">{children}</main>
      {footer ? <footer className="page-footer">{footer}</footer> : null}
    </div>
  );
}
