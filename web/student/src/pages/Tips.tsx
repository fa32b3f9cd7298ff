import { Button } from 'antd-mobile';
import { AlbumPicker } from '../components/AlbumPicker.js';
import { Illustration } from '../components/Illustration.js';
import { Page } from '../components/Page.js';
import { navigate } from '../router.js';
import { SHOOTING_TIPS } from '../rules.js';

export default function Tips() {
  return (
    <Page
      title="拍摄提示"
      footer={
        <div className="stack">
          <Button block color="primary" size="large" onClick={() => navigate('/camera')}>
            开始拍照
          </Button>
          <AlbumPicker label="从相册选择" />
        </div>
      }
    >
      <ul className="rules">
        {SHOOTING_TIPS.map((t) => (
          <li key={t.icon} className="rule">
            <Illustration name={t.icon} />
            <span>
              <b>{t.title}</b>
              <br />
              <span className="muted">{t.text}</span>
            </span>
          </li>
        ))}
      </ul>
      <p className="muted small">照片只用于本次考试身份核验，不会用于其他用途。</p>
    </Page>
  );
}
