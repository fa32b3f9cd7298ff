import { Button, Result } from 'antd-mobile';
import { Page } from '../components/Page.js';
import { navigate } from '../router.js';

export default function Success() {
  return (
    <Page title="提交成功" onBack={() => navigate('/', { replace: true })}>
      <div data-testid="success">
        <Result
          status="success"
          title="照片已提交"
          description="照片将用于考试入场人脸识别。可在「我的照片查询」中查看审核结果。"
        />
        <div className="stack">
          <Button block size="large" color="primary" onClick={() => navigate('/photos', { replace: true })}>
            我的照片查询
          </Button>
          <Button block size="large" onClick={() => navigate('/', { replace: true })}>
            返回首页
          </Button>
        </div>
      </div>
    </Page>
  );
}
