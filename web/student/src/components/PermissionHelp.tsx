import { Button } from 'antd-mobile';
import { CAMERA_PERMISSION_STEPS } from '../faq.js';
import { AlbumPicker } from './AlbumPicker.js';

export type CameraProblem = 'denied' | 'nocamera' | 'busy';

const TITLES: Record<CameraProblem, string> = {
  denied: '无法使用相机：没有获得相机权限',
  nocamera: '没有找到可用的相机',
  busy: '相机被其他应用占用或无法启动',
};

export function PermissionHelp({ problem, onRetry }: { problem: CameraProblem; onRetry: () => void }) {
  return (
    <section className="camera-help" data-testid={`camera-${problem}`}>
      <h2>{TITLES[problem]}</h2>
      {problem === 'denied' ? (
        <>
          <p>请按以下方法允许本页面使用摄像头：</p>
          <ol>
            {CAMERA_PERMISSION_STEPS.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ol>
        </>
      ) : problem === 'nocamera' ? (
        <p>本设备没有可用的摄像头，或当前浏览器不支持网页拍照。请用手机相机拍好照片后从相册选择。</p>
      ) : (
        <p>请关闭其他正在使用相机的应用后重试，或者用手机相机拍好照片后从相册选择。</p>
      )}
      <div className="stack">
        <AlbumPicker label="从相册选择" primary />
        <Button block size="large" onClick={onRetry}>
          重新打开相机
        </Button>
      </div>
    </section>
  );
}
