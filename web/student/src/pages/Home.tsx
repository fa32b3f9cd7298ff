import type { SupportContact } from '../../../../src/domain/api.js';
import { formatDate, useCampaign } from '../campaign.js';
import { ContactList } from '../components/ContactList.js';
import { ServiceAvatar } from '../components/ServiceAvatar.js';
import { useEntry } from '../entry.js';
import { navigate } from '../router.js';

function CampaignWindow() {
  const { campaign, error, loading } = useCampaign();
  if (loading) return <section className="window muted">正在加载采集信息…</section>;
  if (error?.status === 404) return <p className="notice notice-warn">当前没有进行中的照片采集。</p>;
  if (error || !campaign) return <p className="notice notice-warn">{error?.message ?? '加载失败'}</p>;
  return (
    <section className="window" data-testid="campaign-window">
      <div className="window-name">{campaign.name}</div>
      <div>
        采集时间：{formatDate(campaign.startsAt)} 至 {formatDate(campaign.endsAt)}
      </div>
      <div className={campaign.open ? 'tag-open' : 'tag-closed'}>{campaign.open ? '采集进行中' : '不在采集时间内'}</div>
    </section>
  );
}

function Support({ contacts }: { contacts: SupportContact[] }) {
  return (
    <section className="card">
      <h2 className="card-title">咨询与帮助</h2>
      <ContactList contacts={contacts} />
      <button type="button" className="link-button" onClick={() => navigate('/faq')}>
        常见问题：照片为什么不合格？相机黑屏怎么办？
      </button>
    </section>
  );
}

export function Home() {
  const { campaign } = useCampaign();
  // Opened by a learning centre's link (poster, chat group): that centre's contacts come first.
  const entry = useEntry();
  const contacts = entry?.contacts ?? campaign?.support ?? [];
  return (
    <div className="page home">
      <header className="home-hero">
        <h1>考试用照片采集</h1>
        <p>按要求拍一张证件照，用于考试入场人脸识别</p>
      </header>
      <main className="page-body">
        <CampaignWindow />
        {entry ? (
          <p className="entry-centre" data-testid="entry-centre">
            所在学习中心：<b>{entry.centre.name}</b>
          </p>
        ) : null}
        <div className="entry-cards">
          <button type="button" className="entry-card entry-primary" onClick={() => navigate('/rules')}>
            <svg viewBox="0 0 48 48" width="40" height="40" aria-hidden="true">
              <rect x="4" y="12" width="40" height="28" rx="5" fill="none" stroke="currentColor" strokeWidth="3" />
              <circle cx="24" cy="26" r="8" fill="none" stroke="currentColor" strokeWidth="3" />
              <path d="M16 12l3-5h10l3 5" fill="none" stroke="currentColor" strokeWidth="3" />
            </svg>
            <span className="entry-title">考试用照片采集</span>
            <span className="entry-sub">拍照或从相册选择，在线制作证件照</span>
          </button>
          <button type="button" className="entry-card" onClick={() => navigate('/photos')}>
            <svg viewBox="0 0 48 48" width="40" height="40" aria-hidden="true">
              <rect x="8" y="4" width="32" height="40" rx="4" fill="none" stroke="currentColor" strokeWidth="3" />
              <path d="M15 16h18M15 24h18M15 32h10" stroke="currentColor" strokeWidth="3" />
            </svg>
            <span className="entry-title">我的照片查询</span>
            <span className="entry-sub">查看提交记录和审核结果</span>
          </button>
        </div>
        <Support contacts={contacts} />
      </main>
      <ServiceAvatar contacts={contacts} />
    </div>
  );
}
