import { Button, ErrorBlock, ProgressBar, SpinLoading } from 'antd-mobile';
import { useEffect } from 'react';
import { hasReport, useAttempt } from '../attempt.js';
import { Page } from '../components/Page.js';
import { navigate, type Route } from '../router.js';
import { forgetAttempt, pendingAttempt, toIdentity } from '../session.js';

const STEPS = ['检测人脸', '裁剪头肩', '替换背景', '逐项检查'];

function Progress({ fraction }: { fraction: number }) {
  const percent = Math.round(Math.max(0.05, fraction) * 100);
  const current = Math.min(STEPS.length - 1, Math.floor(fraction * STEPS.length));
  return (
    <div className="making" data-testid="making">
      <SpinLoading color="primary" style={{ '--size': '48px', margin: '24px auto' }} />
      <h2 className="center">照片制作中，请稍候…</h2>
      <ProgressBar percent={percent} text />
      <p className="center muted">{STEPS[current]}</p>
      <p className="center muted small">可以离开本页，刷新后会继续显示结果。</p>
    </div>
  );
}

export default function Making({ route }: { route: Route }) {
  const id = route.parts[1] ?? pendingAttempt() ?? '';
  const { attempt, error } = useAttempt(id, true);

  useEffect(() => {
    if (!id) navigate('/tips', { replace: true });
  }, [id]);

  useEffect(() => {
    if (!attempt || attempt.status === 'processing') return;
    forgetAttempt();
    if (attempt.status === 'failed' && !hasReport(attempt)) return; // explained below
    const next = attempt.status === 'ready' && attempt.verdict !== 'fail' ? 'result' : 'check';
    navigate(`/${next}/${encodeURIComponent(attempt.id)}`, { replace: true });
  }, [attempt]);

  useEffect(() => {
    if (error?.status === 401) toIdentity('collect');
  }, [error]);

  let body = <Progress fraction={attempt?.progress ?? 0} />;
  if (error && !attempt) {
    body = (
      <div>
        <ErrorBlock
          status="disconnected"
          title={error.message}
          description={error.status === 404 ? '' : '请检查网络，页面会自动重试'}
        />
        <Button block size="large" onClick={() => navigate('/tips', { replace: true })}>
          重新制作
        </Button>
      </div>
    );
  }
  if (attempt?.status === 'failed' && !hasReport(attempt)) {
    body = (
      <div data-testid="making-failed">
        <ErrorBlock
          status="default"
          title="照片制作失败"
          description={attempt.error?.message ?? '请重新拍摄或选择照片'}
        />
        <Button block color="primary" size="large" onClick={() => navigate('/tips', { replace: true })}>
          重新制作
        </Button>
      </div>
    );
  }
  return (
    <Page title="制作中" backTo="/tips">
      {body}
    </Page>
  );
}
