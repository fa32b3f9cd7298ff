import { DownloadOutlined, ReloadOutlined } from '@ant-design/icons';
import { Button, Flex, Space, Spin, Typography } from 'antd';
import { canDo } from '../access.js';
import { api } from '../api.js';
import { Failure } from '../components/Failure.js';
import { ProgressCharts } from '../components/ProgressCharts.js';
import { ProgressSummary } from '../components/ProgressSummary.js';
import { ProgressTable } from '../components/ProgressTable.js';
import { UnitBreadcrumb } from '../components/UnitBreadcrumb.js';
import { UnitPicker } from '../components/UnitPicker.js';
import { addDays, chinaToday, dateTime } from '../format.js';
import { useLoad } from '../hooks.js';
import { useSession } from '../session.js';

export function ProgressPage() {
  const { me, unitId, setUnitId } = useSession();
  const progress = useLoad(() => api.progress(unitId), [unitId]);
  const daily = useLoad(() => {
    const today = chinaToday();
    return api.daily(unitId, addDays(today, -13), today);
  }, [unitId]);

  return (
    <Flex vertical gap={16}>
      <Flex justify="space-between" wrap gap={8}>
        <Space wrap>
          <UnitPicker />
          <Button
            icon={<ReloadOutlined />}
            onClick={() => {
              progress.reload();
              daily.reload();
            }}
          >
            刷新
          </Button>
          {progress.data && (
            <Typography.Text type="secondary">数据时间：{dateTime(progress.data.generatedAt)}</Typography.Text>
          )}
        </Space>
        {canDo(me.role, 'exportPhotos') && (
          <Button icon={<DownloadOutlined />} onClick={() => api.photosZip(unitId)}>
            导出已通过照片（ZIP）
          </Button>
        )}
      </Flex>
      <UnitBreadcrumb />
      {progress.error && <Failure error={progress.error} onRetry={progress.reload} />}
      <Spin spinning={progress.loading}>
        {progress.data && (
          <Flex vertical gap={16}>
            <ProgressSummary counts={progress.data.root} />
            <ProgressCharts root={progress.data.root} days={daily.data?.days} />
            <ProgressTable root={progress.data.root} onOpen={setUnitId} />
          </Flex>
        )}
      </Spin>
    </Flex>
  );
}
