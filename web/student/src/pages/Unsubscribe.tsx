// The opt-out link of a reminder (/?unsubscribe=<token>). Opening the link changes nothing: a mail
// scanner or a chat app's preview fetches links by itself, so the student confirms with the
// button. No sign-in: the token names the student. Following it again says so and changes nothing.
import { Button, ErrorBlock, Result } from 'antd-mobile';
import { useState } from 'react';
import type { StudentReminderSetting } from '../../../../src/domain/reminders.js';
import { type ApiFailure, api } from '../api.js';
import { Page } from '../components/Page.js';

export default function Unsubscribe({ token }: { token: string }) {
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<StudentReminderSetting | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      setDone(await api.optOutByLink({ token }));
    } catch (e) {
      setError(e as ApiFailure);
    } finally {
      setBusy(false);
    }
  }

  // Leaves the opt-out address for the app's home page (the token stays out of the history).
  const home = () => window.location.replace(window.location.pathname);

  return (
    <Page
      title="退订催交提醒"
      onBack={home}
      footer={
        done ? (
          <Button block size="large" onClick={home}>
            返回首页
          </Button>
        ) : (
          <Button block size="large" color="primary" loading={busy} onClick={confirm} data-testid="unsubscribe-confirm">
            确认退订
          </Button>
        )
      }
    >
      {done ? (
        <Result
          status="success"
          title={done.already ? '您已退订过催交提醒' : '已退订催交提醒'}
          description="之后不会再收到照片采集的催交短信或邮件。如需恢复，可在「我的照片查询」中打开提醒。"
          data-testid="unsubscribe-done"
        />
      ) : (
        <>
          <p>退订后，学校将不再通过短信或邮件提醒您提交考试照片。</p>
          <p className="muted small">照片仍需在截止时间前提交；退订不影响拍照和提交。</p>
        </>
      )}
      {error ? <ErrorBlock status="default" title={error.message} description="" /> : null}
    </Page>
  );
}
