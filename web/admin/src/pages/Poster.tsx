import { PrinterOutlined } from '@ant-design/icons';
import { Button, Result, Spin } from 'antd';
import { useEffect } from 'react';
import { POSTER_TIPS } from '../../../../src/domain/shooting-tips.js';
import { api } from '../api.js';
import { useLoad } from '../hooks.js';

// The printable A4 poster of a learning centre's entry link. A page of its own, outside the
// console layout (#/poster?unit=…&campaign=…, opened in a new tab), so that what prints is the
// sheet alone; print rules are in styles.css (.kz-poster).

const POSTER_ROUTE = '#/poster';

export function posterHash(unitId: number, campaignId: string): string {
  return `${POSTER_ROUTE}?${new URLSearchParams({ unit: String(unitId), campaign: campaignId }).toString()}`;
}

/** The poster's unit and campaign when the console was opened on its address, else null. */
export function posterRoute(hash = window.location.hash): { unitId: number; campaignId: string } | null {
  if (!hash.startsWith(`${POSTER_ROUTE}?`)) return null;
  const q = new URLSearchParams(hash.slice(POSTER_ROUTE.length + 1));
  const unitId = Number(q.get('unit'));
  const campaignId = q.get('campaign');
  return Number.isInteger(unitId) && unitId > 0 && campaignId ? { unitId, campaignId } : null;
}

const day = new Intl.DateTimeFormat('zh-CN', {
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  timeZone: 'Asia/Shanghai',
});

export function PosterPage({ unitId, campaignId }: { unitId: number; campaignId: string }) {
  const link = useLoad(() => api.entryLink(unitId, campaignId), [unitId, campaignId]);
  useEffect(() => {
    if (link.data) document.title = `${link.data.centre.name} · 照片采集海报`;
  }, [link.data]);

  if (link.loading) return <Spin fullscreen description="正在加载…" />;
  if (link.error || !link.data) {
    return <Result status="error" title="无法生成海报" subTitle={link.error?.message ?? '加载失败'} />;
  }
  const { url, centre, campaign } = link.data;
  return (
    <div className="kz-poster-page">
      <div className="kz-poster-toolbar">
        <Button type="primary" icon={<PrinterOutlined />} onClick={() => window.print()}>
          打印
        </Button>
        <span>A4 纵向；打印设置中请关闭「页眉和页脚」。</span>
      </div>
      <article className="kz-poster" data-testid="poster">
        <header>
          <div className="kz-poster-centre">{centre.name}</div>
          <h1>考试照片采集</h1>
          <div className="kz-poster-campaign">{campaign.name}</div>
          <div className="kz-poster-window">
            采集时间：{day.format(new Date(campaign.startsAt))} 至 {day.format(new Date(campaign.endsAt))}
          </div>
        </header>
        <section className="kz-poster-qr">
          <img src={api.entryQrUrl(unitId, 'svg', campaignId)} alt="入口二维码" />
          <p>微信或手机浏览器扫码，按提示拍照并提交</p>
        </section>
        <section className="kz-poster-tips">
          <h2>拍照前请注意</h2>
          <ol>
            {POSTER_TIPS.map((t) => (
              <li key={t.icon}>
                <b>{t.title}</b>
                <span>{t.text}</span>
              </li>
            ))}
          </ol>
        </section>
        <footer>
          <div>照片仅用于考试入场身份核验。无法扫码时可在手机浏览器输入：</div>
          <div className="kz-poster-url">{url}</div>
        </footer>
      </article>
    </div>
  );
}
