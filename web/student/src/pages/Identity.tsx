import { Button, Checkbox, Input, SpinLoading } from 'antd-mobile';
import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import type { AgreementResponse, IdentifyResponse, MeResponse } from '../../../../src/domain/api.js';
import { type ApiFailure, api } from '../api.js';
import { Page } from '../components/Page.js';
import { StateScreen } from '../components/StateScreen.js';
import { navigate, type Route } from '../router.js';
import type { NextStep } from '../session.js';

function ErrorLine({ error }: { error: ApiFailure | null }) {
  if (!error) return null;
  return (
    <p className="form-error" role="alert">
      {error.message}
    </p>
  );
}

function Masked({ who }: { who: IdentifyResponse | MeResponse }) {
  return (
    <dl className="masked" data-testid="masked">
      <dt>姓名</dt>
      <dd>{who.maskedName}</dd>
      <dt>身份证号</dt>
      <dd>{who.maskedIdNumber}</dd>
      <dt>学习中心</dt>
      <dd>{who.unitName}</dd>
    </dl>
  );
}

function NumberStep({ onFound }: { onFound: (who: IdentifyResponse) => void }) {
  const [number, setNumber] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiFailure | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onFound(await api.identify({ studentNumber: number.trim() }));
    } catch (err) {
      setError(err as ApiFailure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} className="stack">
      <label className="field-label" htmlFor="student-number">
        学号
      </label>
      <Input
        id="student-number"
        className="field"
        placeholder="请输入学号"
        value={number}
        onChange={setNumber}
        clearable
        inputMode="numeric"
        autoComplete="off"
      />
      <ErrorLine error={error} />
      <Button block color="primary" size="large" type="submit" loading={busy} disabled={!number.trim()}>
        查询
      </Button>
    </form>
  );
}

function IdStep({
  who,
  onVerified,
  onBack,
}: {
  who: IdentifyResponse;
  onVerified: (me: MeResponse) => void;
  onBack: () => void;
}) {
  const [idNumber, setIdNumber] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiFailure | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onVerified(await api.verify({ studentNumber: who.studentNumber, idNumber: idNumber.trim().toUpperCase() }));
    } catch (err) {
      setError(err as ApiFailure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} className="stack">
      <p className="lead">请确认以下是您本人的信息：</p>
      <Masked who={who} />
      <label className="field-label" htmlFor="id-number">
        请输入完整身份证号码以确认身份
      </label>
      <Input
        id="id-number"
        className="field"
        placeholder="18 位身份证号码"
        value={idNumber}
        onChange={setIdNumber}
        maxLength={18}
        clearable
        autoComplete="off"
      />
      <ErrorLine error={error} />
      <Button block color="primary" size="large" type="submit" loading={busy} disabled={idNumber.trim().length < 15}>
        验证身份
      </Button>
      <Button block fill="none" onClick={onBack}>
        不是本人？重新输入学号
      </Button>
    </form>
  );
}

function ConsentStep({ me, onRestart }: { me: MeResponse; onRestart: () => void }) {
  const [agreement, setAgreement] = useState<AgreementResponse | null>(null);
  const [ticked, setTicked] = useState(me.consentVersion === me.currentAgreementVersion);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiFailure | null>(null);
  useEffect(() => {
    api.agreement().then(setAgreement, setError);
  }, []);
  const next = async () => {
    setBusy(true);
    setError(null);
    try {
      if (me.consentVersion !== me.currentAgreementVersion) {
        await api.consent({ version: agreement?.version ?? me.currentAgreementVersion });
      }
      navigate('/tips');
    } catch (err) {
      setError(err as ApiFailure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="stack">
      <p className="lead ok-line">身份验证成功</p>
      <Masked who={me} />
      <div className="consent">
        <Checkbox checked={ticked} onChange={setTicked} data-testid="consent-box">
          我已阅读并同意
        </Checkbox>
        <button type="button" className="link-button inline" onClick={() => navigate('/agreement')}>
          《{agreement?.title ?? '个人信息处理协议'}》
        </button>
      </div>
      <ErrorLine error={error} />
      <Button block color="primary" size="large" disabled={!ticked} loading={busy} onClick={next}>
        下一步
      </Button>
      <Button block fill="none" onClick={onRestart}>
        不是本人？重新输入学号
      </Button>
    </div>
  );
}

export default function Identity({ route }: { route: Route }) {
  const next: NextStep = route.query.get('next') === 'photos' ? 'photos' : 'collect';
  const [checking, setChecking] = useState(true);
  const [who, setWho] = useState<IdentifyResponse | null>(null);
  const [me, setMe] = useState<MeResponse | null>(null);

  // A live session (e.g. back from the agreement page, or a reload) skips straight to consent.
  useEffect(() => {
    api
      .me()
      .then(setMe, () => undefined)
      .finally(() => setChecking(false));
  }, []);

  useEffect(() => {
    if (me && next === 'photos') navigate('/photos', { replace: true });
  }, [me, next]);

  const restart = () => {
    setMe(null);
    setWho(null);
  };

  let body: ReactNode;
  if (checking) body = <SpinLoading color="primary" style={{ margin: '40px auto' }} />;
  else if (me && me.state !== 'todo' && next === 'collect') body = <StateScreen state={me.state} />;
  else if (me) body = <ConsentStep me={me} onRestart={restart} />;
  else if (who) body = <IdStep who={who} onVerified={setMe} onBack={() => setWho(null)} />;
  else body = <NumberStep onFound={setWho} />;

  return <Page title="身份验证">{body}</Page>;
}
