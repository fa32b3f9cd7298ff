import { Button } from 'antd-mobile';
import { Illustration } from '../components/Illustration.js';
import { Page } from '../components/Page.js';
import { navigate } from '../router.js';
import { RULES } from '../rules.js';

const FORBIDDEN = new Set(['hat', 'jewelry', 'makeup']);

export default function Rules() {
  return (
    <Page
      title="证件照拍摄要求"
      footer={
        <Button block color="primary" size="large" onClick={() => navigate('/identity?next=collect')}>
          开始制作
        </Button>
      }
    >
      <p className="lead">照片将用于考试入场人脸识别，请仔细阅读以下要求：</p>
      <ol className="rules">
        {RULES.map((r, i) => (
          <li key={r.icon} className="rule">
            <Illustration name={r.icon} forbidden={FORBIDDEN.has(r.icon)} />
            <span>
              <b>{i + 1}.</b> {r.text}
            </span>
          </li>
        ))}
      </ol>
    </Page>
  );
}
