import { Button, ErrorBlock, SpinLoading } from 'antd-mobile';
import { useAttempt } from '../attempt.js';
import { chosenBackground, rgbOf } from '../background.js';
import { useCampaign } from '../campaign.js';
import { BackgroundSwitch } from '../components/BackgroundSwitch.js';
import { Page } from '../components/Page.js';
import { PhotoView, usePreload } from '../components/PhotoView.js';
import { navigate, type Route } from '../router.js';

export default function Result({ route }: { route: Route }) {
  const id = route.parts[1] ?? '';
  const { attempt, error } = useAttempt(id, false);
  const { campaign } = useCampaign();
  const background = chosenBackground(route.query, campaign);
  usePreload(Object.values(attempt?.photos ?? {}));
  const backgrounds = campaign?.spec.backgrounds ?? [];
  const setBackground = (bg: string) => navigate(`/result/${encodeURIComponent(id)}?bg=${bg}`, { replace: true });

  return (
    <Page
      title="制作结果"
      backTo="/"
      footer={
        attempt ? (
          <div className="row">
            <Button size="large" onClick={() => navigate('/tips')}>
              重新制作
            </Button>
            <Button
              size="large"
              color="primary"
              onClick={() => navigate(`/check/${encodeURIComponent(id)}?bg=${background}`)}
            >
              下一步
            </Button>
          </div>
        ) : null
      }
    >
      {error ? <ErrorBlock status="disconnected" title={error.message} /> : null}
      {!attempt && !error ? <SpinLoading color="primary" style={{ margin: '40px auto' }} /> : null}
      {attempt ? (
        <div className="result">
          <div className="photo-frame">
            <PhotoView attempt={attempt} background={background} rgb={rgbOf(campaign, background)} />
          </div>
          {backgrounds.length > 1 ? (
            <BackgroundSwitch backgrounds={backgrounds} value={background} onChange={setBackground} />
          ) : null}
          <p className="muted small center">默认蓝色背景即可；如学校另有要求，可切换背景颜色。</p>
        </div>
      ) : null}
    </Page>
  );
}
