import { Button, Result } from 'antd-mobile';
import type { CollectionState } from '../../../../src/domain/api.js';
import { formatDate, useCampaign } from '../campaign.js';
import { navigate } from '../router.js';

const TEXT: Record<
  Exclude<CollectionState, 'todo'>,
  { status: 'info' | 'success' | 'waiting'; title: string; body: string }
> = {
  not_started: { status: 'waiting', title: '照片采集尚未开始', body: '请在采集时间内再来。' },
  closed: { status: 'info', title: '照片采集已结束', body: '本次采集已截止。如有疑问请联系所在学习中心。' },
  exempt: { status: 'success', title: '您无需重新采集', body: '您近期已有审核通过的照片，本次考试将继续使用。' },
  submitted: { status: 'success', title: '您已提交照片', body: '照片已提交，请留意审核结果。' },
  no_campaign: { status: 'info', title: '当前没有照片采集任务', body: '如有疑问请联系所在学习中心。' },
};

/** Shown instead of the camera when the student has nothing to do in this campaign. */
export function StateScreen({ state }: { state: Exclude<CollectionState, 'todo'> }) {
  const { campaign } = useCampaign();
  const t = TEXT[state];
  const window =
    campaign && (state === 'not_started' || state === 'closed')
      ? `采集时间：${formatDate(campaign.startsAt)} 至 ${formatDate(campaign.endsAt)}`
      : '';
  return (
    <div data-testid={`state-${state}`}>
      <Result status={t.status} title={t.title} description={[t.body, window].filter(Boolean).join(' ')} />
      <div className="stack">
        <Button block size="large" color="primary" onClick={() => navigate('/photos')}>
          我的照片查询
        </Button>
        <Button block size="large" onClick={() => navigate('/', { replace: true })}>
          返回首页
        </Button>
      </div>
    </div>
  );
}
