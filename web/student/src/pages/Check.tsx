import { Button, Dialog, ErrorBlock, SpinLoading } from 'antd-mobile';
import { useState } from 'react';
import type { PhotoAttempt } from '../../../../src/domain/api.js';
import { BACKGROUND_LABELS } from '../../../../src/domain/backgrounds.js';
import { PHOTO_STATUS_LABELS } from '../../../../src/domain/photo-status.js';
import { type ApiFailure, api } from '../api.js';
import { useAttempt } from '../attempt.js';
import { chosenBackground, rgbOf } from '../background.js';
import { useCampaign } from '../campaign.js';
import { CheckList } from '../components/CheckList.js';
import { Page } from '../components/Page.js';
import { PhotoView } from '../components/PhotoView.js';
import { navigate, type Route } from '../router.js';

function Summary({ attempt }: { attempt: PhotoAttempt }) {
  const fails = attempt.report.filter((r) => r.status === 'fail').length;
  const warns = attempt.report.filter((r) => r.status === 'warn').length;
  if (attempt.verdict === 'fail' || attempt.status === 'failed') {
    return (
      <p className="verdict verdict-fail" data-testid="verdict">
        有 {fails} 项不合格，请按提示调整后重新拍摄。
      </p>
    );
  }
  if (warns > 0) {
    return (
      <p className="verdict verdict-warn" data-testid="verdict">
        有 {warns} 项需人工审核，可以提交，也可以重新拍摄一张更好的。
      </p>
    );
  }
  return (
    <p className="verdict verdict-pass" data-testid="verdict">
      全部检查合格，可以提交。
    </p>
  );
}

export default function Check({ route }: { route: Route }) {
  const id = route.parts[1] ?? '';
  const { attempt, error } = useAttempt(id, false);
  const { campaign } = useCampaign();
  const background = chosenBackground(route.query, campaign);
  const [busy, setBusy] = useState(false);

  const canSubmit = attempt?.status === 'ready' && attempt.verdict !== 'fail';
  // Rejected counts as not sent: the student is expected to make a new one.
  const alreadySent = attempt && ['submitted', 'needs_review', 'approved'].includes(attempt.status);

  const submit = async () => {
    const ok = await Dialog.confirm({
      title: '确认提交',
      content: `提交${BACKGROUND_LABELS[background]}背景的照片？提交后将用于考试入场人脸识别。`,
      confirmText: '提交',
      cancelText: '再看看',
    });
    if (!ok) return;
    setBusy(true);
    try {
      await api.submit(id, { background });
      navigate(`/success/${encodeURIComponent(id)}`, { replace: true });
    } catch (e) {
      Dialog.alert({ content: (e as ApiFailure).message });
    } finally {
      setBusy(false);
    }
  };

  let footer = (
    <Button block size="large" color="primary" onClick={() => navigate('/tips')}>
      重新制作
    </Button>
  );
  if (canSubmit) {
    footer = (
      <div className="row">
        <Button size="large" onClick={() => navigate('/tips')}>
          重新制作
        </Button>
        <Button size="large" color="primary" loading={busy} onClick={submit}>
          确认无误并提交
        </Button>
      </div>
    );
  } else if (alreadySent) {
    footer = (
      <Button block size="large" color="primary" onClick={() => navigate('/photos')}>
        我的照片查询
      </Button>
    );
  }

  return (
    <Page title="照片检查" backTo="/" footer={attempt ? footer : undefined}>
      {error ? <ErrorBlock status="disconnected" title={error.message} /> : null}
      {!attempt && !error ? <SpinLoading color="primary" style={{ margin: '40px auto' }} /> : null}
      {attempt ? (
        <>
          <div className="check-head">
            {Object.keys(attempt.photos).length > 0 || attempt.cutout ? (
              <div className="thumb">
                <PhotoView attempt={attempt} background={background} rgb={rgbOf(campaign, background)} />
              </div>
            ) : null}
            <div>
              {alreadySent ? (
                <p className="verdict verdict-pass">此照片{PHOTO_STATUS_LABELS[attempt.status].zh}</p>
              ) : attempt.status === 'rejected' ? (
                <p className="verdict verdict-fail">审核未通过：{attempt.rejectionReason ?? '请重新制作'}</p>
              ) : (
                <Summary attempt={attempt} />
              )}
              {attempt.error ? <p className="form-error">{attempt.error.message}</p> : null}
            </div>
          </div>
          <CheckList report={attempt.report} />
        </>
      ) : null}
    </Page>
  );
}
