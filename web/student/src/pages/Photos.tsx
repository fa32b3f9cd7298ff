import { Button, ErrorBlock, List, SpinLoading, Switch, Toast } from 'antd-mobile';
import { useEffect, useState } from 'react';
import type { PhotoAttempt } from '../../../../src/domain/api.js';
import { BACKGROUND_LABELS } from '../../../../src/domain/backgrounds.js';
import { PHOTO_STATUS_LABELS, type PhotoStatus } from '../../../../src/domain/photo-status.js';
import { type ApiFailure, api } from '../api.js';
import { formatDate } from '../campaign.js';
import { Page } from '../components/Page.js';
import { navigate } from '../router.js';
import { toIdentity, useMe } from '../session.js';

const TONE: Record<PhotoStatus, 'ok' | 'warn' | 'bad' | 'info'> = {
  processing: 'info',
  ready: 'warn',
  failed: 'bad',
  submitted: 'info',
  needs_review: 'warn',
  approved: 'ok',
  rejected: 'bad',
};

function open(a: PhotoAttempt) {
  if (a.status === 'processing') navigate(`/making/${encodeURIComponent(a.id)}`);
  else navigate(`/check/${encodeURIComponent(a.id)}${a.background ? `?bg=${a.background}` : ''}`);
}

function Item({ a }: { a: PhotoAttempt }) {
  const thumb = (a.background && a.photos[a.background]) || Object.values(a.photos)[0];
  // "Ready" with a failing check cannot be submitted: do not call it 待提交.
  const blocked = a.status === 'ready' && a.verdict === 'fail';
  return (
    <li className="history-item" data-testid="history-item" data-status={a.status}>
      <button type="button" className="history-open" onClick={() => open(a)}>
        {thumb ? (
          <img src={thumb} alt="" className="history-thumb" loading="lazy" />
        ) : (
          <span className="history-thumb" />
        )}
        <span className="history-text">
          {blocked ? (
            <span className="status-tag tone-bad">检测不合格</span>
          ) : (
            <span className={`status-tag tone-${TONE[a.status]}`}>{PHOTO_STATUS_LABELS[a.status].zh}</span>
          )}
          <span className="muted small">
            {a.submittedAt ? `提交于 ${formatDate(a.submittedAt)}` : `制作于 ${formatDate(a.createdAt)}`}
          </span>
          {a.background ? <span className="muted small">背景：{BACKGROUND_LABELS[a.background]}</span> : null}
          {a.rejectionReason ? <span className="form-error">未通过原因：{a.rejectionReason}</span> : null}
          {a.error ? <span className="form-error">{a.error.message}</span> : null}
        </span>
      </button>
    </li>
  );
}

/** 接收催交提醒: the student's own opt-out, recorded and audit-logged by the server. */
function ReminderSwitch() {
  const [optedOut, setOptedOut] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api.reminderSetting().then(
      (r) => setOptedOut(r.optedOut),
      // Not shown rather than shown wrong: the rest of the page does not depend on it.
      () => setOptedOut(null),
    );
  }, []);
  if (optedOut === null) return null;
  async function change(receive: boolean) {
    setBusy(true);
    try {
      const r = await api.setReminderOptOut(!receive);
      setOptedOut(r.optedOut);
      Toast.show({ content: r.optedOut ? '已退订催交提醒' : '已恢复催交提醒' });
    } catch (e) {
      Toast.show({ content: (e as ApiFailure).message });
    } finally {
      setBusy(false);
    }
  }
  return (
    <List className="reminder-setting">
      <List.Item
        description="未提交照片时，学习中心可能通过短信或邮件提醒您"
        extra={
          <Switch
            checked={!optedOut}
            loading={busy}
            onChange={change}
            aria-label="接收催交提醒"
            data-testid="reminder-switch"
          />
        }
      >
        接收催交提醒
      </List.Item>
    </List>
  );
}

export default function Photos() {
  const { me, error: meError } = useMe('photos');
  const [items, setItems] = useState<PhotoAttempt[] | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  useEffect(() => {
    if (!me) return;
    api.photos().then(
      (r) => setItems(r.items),
      (e: ApiFailure) => (e.status === 401 ? toIdentity('photos') : setError(e)),
    );
  }, [me]);

  const latest = items?.[0];
  const canRedo = me?.state === 'todo';
  return (
    <Page
      title="我的照片查询"
      backTo="/"
      footer={
        canRedo ? (
          <Button block size="large" color="primary" onClick={() => navigate('/identity?next=collect')}>
            {latest?.status === 'rejected' ? '重新制作' : '制作照片'}
          </Button>
        ) : undefined
      }
    >
      {me ? (
        <p className="muted">
          {me.maskedName}（{me.maskedIdNumber}）
        </p>
      ) : null}
      {error || meError ? <ErrorBlock status="disconnected" title={(error ?? meError)?.message} /> : null}
      {!items && !error && !meError ? <SpinLoading color="primary" style={{ margin: '40px auto' }} /> : null}
      {items && items.length === 0 ? <ErrorBlock status="empty" title="还没有照片记录" description="" /> : null}
      {items && items.length > 0 ? (
        <ul className="history" data-testid="history">
          {items.map((a) => (
            <Item key={a.id} a={a} />
          ))}
        </ul>
      ) : null}
      {me ? <ReminderSwitch /> : null}
    </Page>
  );
}
