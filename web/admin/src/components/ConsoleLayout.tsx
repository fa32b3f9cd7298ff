import {
  ApartmentOutlined,
  BellOutlined,
  CalendarOutlined,
  FileSearchOutlined,
  KeyOutlined,
  LogoutOutlined,
  PieChartOutlined,
  ProjectOutlined,
  QrcodeOutlined,
  SafetyCertificateOutlined,
  ScanOutlined,
  ScheduleOutlined,
  TeamOutlined,
  UploadOutlined,
  UserOutlined,
  WarningOutlined,
} from '@ant-design/icons';
import { App, Button, Layout, Menu, Modal, Space, Spin, Tag, Typography } from 'antd';
import { type ComponentType, lazy, type ReactNode, Suspense, useEffect, useMemo, useState } from 'react';
import type { AdminSelf, UnitNode } from '../../../../src/domain/admin-api.js';
import { ROLE_LABELS } from '../../../../src/domain/roles.js';
import { PAGE_TITLES, type PageKey, pagesFor } from '../access.js';
import { PasswordChangeForm } from '../pages/ChangePassword.js';
import { type Session, SessionContext } from '../session.js';

const ICONS: Record<PageKey, ReactNode> = {
  progress: <PieChartOutlined />,
  uncollected: <WarningOutlined />,
  review: <FileSearchOutlined />,
  daily: <CalendarOutlined />,
  roster: <UploadOutlined />,
  campaigns: <ProjectOutlined />,
  units: <ApartmentOutlined />,
  admins: <TeamOutlined />,
  audit: <SafetyCertificateOutlined />,
  entry: <QrcodeOutlined />,
  exam: <ScanOutlined />,
  examSessions: <ScheduleOutlined />,
  reminders: <BellOutlined />,
};

// Pages load on first visit: a reviewer never downloads the charts of the progress page.
const PAGE_COMPONENTS: Record<PageKey, ComponentType> = {
  progress: lazy(() => import('../pages/Progress.js').then((m) => ({ default: m.ProgressPage }))),
  uncollected: lazy(() => import('../pages/Uncollected.js').then((m) => ({ default: m.UncollectedPage }))),
  review: lazy(() => import('../pages/Review.js').then((m) => ({ default: m.ReviewPage }))),
  daily: lazy(() => import('../pages/DailyReport.js').then((m) => ({ default: m.DailyReportPage }))),
  roster: lazy(() => import('../pages/Roster.js').then((m) => ({ default: m.RosterPage }))),
  campaigns: lazy(() => import('../pages/Campaigns.js').then((m) => ({ default: m.CampaignsPage }))),
  units: lazy(() => import('../pages/Units.js').then((m) => ({ default: m.UnitsPage }))),
  admins: lazy(() => import('../pages/Admins.js').then((m) => ({ default: m.AdminsPage }))),
  audit: lazy(() => import('../pages/Audit.js').then((m) => ({ default: m.AuditPage }))),
  entry: lazy(() => import('../pages/EntryQr.js').then((m) => ({ default: m.EntryQrPage }))),
  exam: lazy(() => import('../pages/ExamStation.js').then((m) => ({ default: m.ExamStationPage }))),
  examSessions: lazy(() => import('../pages/ExamSessions.js').then((m) => ({ default: m.ExamSessionsPage }))),
  reminders: lazy(() => import('../pages/Reminders.js').then((m) => ({ default: m.RemindersPage }))),
};

/** The page lives in the URL hash (#/uncollected) so reloads and bookmarks keep it. */
function pageFromHash(allowed: PageKey[]): PageKey {
  const key = window.location.hash.replace(/^#\/?/, '') as PageKey;
  return allowed.includes(key) ? key : allowed[0]!;
}

export function ConsoleLayout({
  me,
  units,
  onLogout,
  reloadUnits,
}: {
  me: AdminSelf;
  units: UnitNode[];
  onLogout: () => void;
  reloadUnits: () => Promise<void>;
}) {
  const pages = useMemo(() => pagesFor(me.role), [me.role]);
  const [page, setPage] = useState<PageKey>(() => pageFromHash(pages));
  const [unitId, setUnitId] = useState(me.unit.id);
  const [changingPassword, setChangingPassword] = useState(false);
  const { message } = App.useApp();

  useEffect(() => {
    const sync = () => setPage(pageFromHash(pages));
    window.addEventListener('hashchange', sync);
    return () => window.removeEventListener('hashchange', sync);
  }, [pages]);

  useEffect(() => {
    document.title = `${PAGE_TITLES[page]} · 考照照片管理`;
  }, [page]);

  const session: Session = useMemo(
    () => ({ me, units, unitId, setUnitId, reloadUnits }),
    [me, units, unitId, reloadUnits],
  );
  const Page = PAGE_COMPONENTS[page];

  return (
    <SessionContext value={session}>
      <Layout style={{ minHeight: '100vh' }}>
        <Layout.Sider width={200} breakpoint="lg" collapsedWidth={64}>
          <div className="kz-brand">考照 · 照片管理</div>
          <Menu
            theme="dark"
            mode="inline"
            selectedKeys={[page]}
            items={pages.map((key) => ({ key, icon: ICONS[key], label: PAGE_TITLES[key] }))}
            onClick={({ key }) => {
              window.location.hash = `#/${key}`;
            }}
          />
        </Layout.Sider>
        <Layout>
          <Layout.Header className="kz-header">
            <Typography.Title level={4} style={{ margin: 0 }}>
              {PAGE_TITLES[page]}
            </Typography.Title>
            <Space size="middle" data-testid="whoami">
              <span>
                <UserOutlined /> {me.displayName}
              </span>
              <Tag color="blue">{ROLE_LABELS[me.role]}</Tag>
              <Typography.Text type="secondary">{me.unit.name}</Typography.Text>
              <Button icon={<KeyOutlined />} onClick={() => setChangingPassword(true)}>
                修改密码
              </Button>
              <Button icon={<LogoutOutlined />} onClick={onLogout}>
                退出
              </Button>
            </Space>
          </Layout.Header>
          <Layout.Content className="kz-content">
            <Suspense fallback={<Spin description="正在加载…" style={{ display: 'block', marginTop: 80 }} />}>
              <Page />
            </Suspense>
          </Layout.Content>
        </Layout>
      </Layout>
      <Modal
        title="修改密码"
        open={changingPassword}
        footer={null}
        destroyOnHidden
        onCancel={() => setChangingPassword(false)}
      >
        <PasswordChangeForm
          me={me}
          submitLabel="修改密码"
          onChanged={() => {
            setChangingPassword(false);
            message.success('密码已修改，其他设备上的登录已退出');
          }}
        />
      </Modal>
    </SessionContext>
  );
}
