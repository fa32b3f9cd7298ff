import { DownloadOutlined, PrinterOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Empty, Flex, Form, Select, Space, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { api } from '../api.js';
import { Failure } from '../components/Failure.js';
import { useLoad } from '../hooks.js';
import { useSession } from '../session.js';
import { posterHash } from './Poster.js';

/** Which campaign a new poster is for by default: the open one, else the next, else the newest. */
function defaultCampaign(items: { id: string; startsAt: string; endsAt: string }[], now = Date.now()) {
  const open = items.find((c) => Date.parse(c.startsAt) <= now && now < Date.parse(c.endsAt));
  const next = items.filter((c) => Date.parse(c.startsAt) > now).at(-1);
  return (open ?? next ?? items[0])?.id;
}

/**
 * A learning centre's entry link and QR code per campaign: students who scan it land in the app
 * with the centre's contacts, and their uploads are attributed to the centre (审计日志).
 */
export function EntryQrPage() {
  const { units, unitId } = useSession();
  const centres = useMemo(() => units.filter((u) => u.level === 'centre'), [units]);
  const [centreId, setCentreId] = useState<number | undefined>(
    () => centres.find((c) => c.id === unitId)?.id ?? centres[0]?.id,
  );
  const campaigns = useLoad(() => api.campaigns(), []);
  const [chosenCampaign, setCampaign] = useState<string>();
  const campaignId = chosenCampaign ?? defaultCampaign(campaigns.data?.items ?? []);
  const link = useLoad(
    () => (centreId && campaignId ? api.entryLink(centreId, campaignId) : Promise.resolve(undefined)),
    [centreId, campaignId],
  );

  if (centres.length === 0) return <Empty description="您的管理范围内没有学习中心" />;
  if (campaigns.error) return <Failure error={campaigns.error} onRetry={campaigns.reload} />;
  return (
    <Flex vertical gap={16} style={{ maxWidth: 880 }}>
      <Typography.Text type="secondary">
        每个学习中心、每次采集活动一个入口。学生扫码后直接进入采集页面，首页显示本学习中心的联系方式；经此入口上传的照片记入审计日志（经入口链接上传照片）。
      </Typography.Text>
      <Form layout="inline">
        <Form.Item label="学习中心">
          <Select
            data-testid="entry-centre"
            showSearch
            optionFilterProp="label"
            style={{ width: 260 }}
            value={centreId}
            onChange={setCentreId}
            options={centres.map((c) => ({ value: c.id, label: `${c.name}（${c.code}）` }))}
          />
        </Form.Item>
        <Form.Item label="采集活动">
          <Select
            data-testid="entry-campaign"
            style={{ width: 300 }}
            loading={campaigns.loading}
            value={campaignId}
            onChange={setCampaign}
            options={(campaigns.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }))}
          />
        </Form.Item>
      </Form>
      {!campaignId && !campaigns.loading ? <Alert type="info" title="还没有采集活动" showIcon /> : null}
      {link.error ? <Failure error={link.error} onRetry={link.reload} /> : null}
      {link.data && centreId && campaignId ? (
        <Card data-testid="entry-card">
          <Flex gap={24} align="center" wrap>
            <img
              src={api.entryQrUrl(centreId, 'svg', campaignId)}
              alt={`${link.data.centre.name}入口二维码`}
              width={220}
              height={220}
              style={{ imageRendering: 'pixelated' }}
            />
            <Flex vertical gap={8} style={{ flex: 1, minWidth: 280 }}>
              <Typography.Title level={5} style={{ margin: 0 }}>
                {link.data.centre.name} · {link.data.campaign.name}
              </Typography.Title>
              <Typography.Paragraph copyable={{ text: link.data.url }} style={{ margin: 0 }} data-testid="entry-url">
                <Typography.Text code>{link.data.url}</Typography.Text>
              </Typography.Paragraph>
              <Space wrap>
                <Button
                  type="primary"
                  icon={<PrinterOutlined />}
                  href={`${window.location.pathname}${posterHash(centreId, campaignId)}`}
                  target="_blank"
                >
                  打印海报（A4）
                </Button>
                <Button
                  icon={<DownloadOutlined />}
                  href={api.entryQrUrl(centreId, 'png', campaignId)}
                  download={`入口二维码-${link.data.centre.code}.png`}
                >
                  下载 PNG
                </Button>
                <Button
                  icon={<DownloadOutlined />}
                  href={api.entryQrUrl(centreId, 'svg', campaignId)}
                  download={`入口二维码-${link.data.centre.code}.svg`}
                >
                  下载 SVG（印刷用）
                </Button>
              </Space>
              <Typography.Text type="secondary">
                链接只含学习中心代码和活动编号，不含任何学生信息，可以张贴或转发到班级群。
              </Typography.Text>
            </Flex>
          </Flex>
        </Card>
      ) : null}
    </Flex>
  );
}
