import { Button, ErrorBlock, SpinLoading } from 'antd-mobile';
import { useEffect, useState } from 'react';
import type { AgreementResponse } from '../../../../src/domain/api.js';
import { type ApiFailure, api } from '../api.js';
import { Page } from '../components/Page.js';
import { goBack } from '../router.js';

export default function Agreement() {
  const [doc, setDoc] = useState<AgreementResponse | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  useEffect(() => {
    api.agreement().then(setDoc, setError);
  }, []);
  return (
    <Page
      title={doc?.title ?? '个人信息处理协议'}
      backTo="/identity?next=collect"
      footer={
        <Button block size="large" color="primary" onClick={() => goBack('/identity?next=collect')}>
          我已阅读
        </Button>
      }
    >
      {error ? <ErrorBlock status="disconnected" title={error.message} /> : null}
      {!doc && !error ? <SpinLoading color="primary" style={{ margin: '40px auto' }} /> : null}
      {doc ? (
        <article className="agreement" data-testid="agreement">
          <p className="muted">版本 {doc.version}</p>
          {doc.text.split(/\n\s*\n/).map((para, i) => (
            // Paragraph order is the identity: the text is static for one version.
            // biome-ignore lint/suspicious/noArrayIndexKey: static text
            <p key={i}>{para}</p>
          ))}
        </article>
      ) : null}
    </Page>
  );
}
