// 考场核验: the station at the exam-room door (a laptop or tablet with its own or a USB camera).
// The student number is typed or scanned (a barcode scanner types it and presses Enter), Enter or
// Space captures the frame, and the answer is shown large: 通过 / 不通过 / 无法比对（原因）, the
// collected photo beside the captured frame. The frame is only sent for the comparison: the server
// keeps the numbers, not the face. Everything works from the keyboard.
//
// A face box follows the student (components/StationFaceBox.tsx) and, with 自动拍照 on, one face
// held still after the number is in is captured without a key: the invigilator scans, the student
// looks up, the answer appears. The key press works all the same.
import { CameraOutlined, CheckOutlined, CloseOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Empty,
  Flex,
  Input,
  type InputRef,
  Modal,
  Select,
  Space,
  Spin,
  Switch,
  Table,
  Typography,
} from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ExamVerifyResponse } from '../../../../src/domain/admin-api.js';
import {
  EXAM_DECISION_LABELS,
  EXAM_OVERRIDE_LABELS,
  EXAM_OVERRIDE_REASON_MAX,
  EXAM_UNABLE_LABELS,
  type ExamCheck,
  type ExamOverride,
} from '../../../../src/domain/exam.js';
import { api } from '../api.js';
import { Failure } from '../components/Failure.js';
import { FaceBoxLayer, useFaceTrack } from '../components/StationFaceBox.js';
import { useLoad } from '../hooks.js';
import { CHECK_COLUMNS, CreateSessionDialog, sessionLabel, storedSessionId, storeSessionId } from './ExamSessions.js';

const CAMERA_KEY = 'kz.exam.camera';
/** The 自动拍照 switch, remembered per browser (a preference, never a frame). Default on. */
const AUTO_KEY = 'kz.exam.autoCapture';

type CameraState =
  | { kind: 'starting' }
  | { kind: 'on' }
  | { kind: 'denied' }
  | { kind: 'nocamera' }
  | { kind: 'insecure' }
  | { kind: 'busy'; message: string };

function cameraProblem(e: unknown): CameraState {
  const name = (e as { name?: string })?.name ?? '';
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') {
    return { kind: 'denied' };
  }
  if (name === 'NotFoundError' || name === 'DevicesNotFoundError' || name === 'OverconstrainedError') {
    return { kind: 'nocamera' };
  }
  return { kind: 'busy', message: (e as Error)?.message ?? '' };
}

/** The live camera: the chosen device (remembered per browser), the list to choose from. */
function useStationCamera() {
  const videoRef = useRef<HTMLVideoElement>(null);
  const [deviceId, setDeviceId] = useState<string | undefined>(() => localStorage.getItem(CAMERA_KEY) ?? undefined);
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [state, setState] = useState<CameraState>({ kind: 'starting' });
  const [attempt, setAttempt] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: attempt restarts the camera after a fix.
  useEffect(() => {
    // getUserMedia exists only on https:// or localhost: say so rather than fail obscurely.
    if (!navigator.mediaDevices?.getUserMedia) {
      setState({ kind: 'insecure' });
      return;
    }
    let stream: MediaStream | undefined;
    let cancelled = false;
    setState({ kind: 'starting' });
    const size = { width: { ideal: 1280 }, height: { ideal: 720 } };
    const open = (id: string | undefined) =>
      navigator.mediaDevices.getUserMedia({
        audio: false,
        video: id ? { deviceId: { exact: id }, ...size } : { facingMode: 'user', ...size },
      });
    open(deviceId)
      // A remembered camera that was unplugged: fall back to any camera.
      .catch((e: unknown) => (deviceId && cameraProblem(e).kind === 'nocamera' ? open(undefined) : Promise.reject(e)))
      .then(async (s) => {
        if (cancelled) {
          for (const t of s.getTracks()) t.stop();
          return;
        }
        stream = s;
        const video = videoRef.current;
        if (video) {
          video.srcObject = s;
          await video.play().catch(() => {});
        }
        setState({ kind: 'on' });
        // Labels are only given once the camera is allowed: list the devices now.
        const all = await navigator.mediaDevices.enumerateDevices();
        if (!cancelled) setDevices(all.filter((d) => d.kind === 'videoinput'));
      })
      .catch((e: unknown) => {
        if (!cancelled) setState(cameraProblem(e));
      });
    return () => {
      cancelled = true;
      for (const t of stream?.getTracks() ?? []) t.stop();
    };
  }, [deviceId, attempt]);

  const choose = useCallback((id: string) => {
    localStorage.setItem(CAMERA_KEY, id);
    setDeviceId(id);
  }, []);
  const retry = useCallback(() => setAttempt((a) => a + 1), []);

  /** The current frame as JPEG, at the camera's resolution. */
  const capture = useCallback(async (): Promise<Blob | undefined> => {
    const video = videoRef.current;
    if (!video || video.videoWidth === 0) return undefined;
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext('2d')?.drawImage(video, 0, 0);
    return new Promise((resolve) => canvas.toBlob((b) => resolve(b ?? undefined), 'image/jpeg', 0.92));
  }, []);

  return { videoRef, devices, deviceId, choose, state, retry, capture };
}

function CameraHelp({ state, onRetry }: { state: CameraState; onRetry: () => void }) {
  if (state.kind === 'on' || state.kind === 'starting') return null;
  const text: Record<Exclude<CameraState['kind'], 'on' | 'starting'>, { title: string; description: string }> = {
    denied: {
      title: '浏览器未获准使用摄像头',
      description:
        '点击地址栏左侧的摄像头或锁形图标，将「摄像头」设为「允许」，然后点击「重试」。' +
        '若浏览器不再询问，请在浏览器设置 → 隐私和安全 → 网站设置 → 摄像头中允许本网站。',
    },
    nocamera: {
      title: '未找到摄像头',
      description: '请连接 USB 摄像头（或确认设备自带摄像头未被禁用），然后点击「重试」。',
    },
    insecure: {
      title: '当前地址无法使用摄像头',
      description: '浏览器只允许 https:// 地址（或本机 127.0.0.1）使用摄像头，请通过学校提供的 https 地址打开控制台。',
    },
    busy: {
      title: '摄像头无法打开',
      description: '摄像头可能正被其他程序（视频会议、相机应用）占用：关闭它们后点击「重试」。',
    },
  };
  const t = text[state.kind];
  return (
    <Alert
      type="error"
      showIcon
      title={t.title}
      description={t.description}
      action={
        <Button size="small" icon={<ReloadOutlined />} onClick={onRetry}>
          重试
        </Button>
      }
      data-testid="camera-help"
    />
  );
}

/** The big answer: what the door should do, unmistakably. */
function Verdict({
  result,
  trigger,
}: {
  result: ExamVerifyResponse & { override?: ExamCheck['override'] };
  trigger: Shown['trigger'];
}) {
  const final = result.override ?? result.decision;
  const label = result.override
    ? EXAM_OVERRIDE_LABELS[result.override]
    : result.decision === 'unable' && result.reason
      ? `${EXAM_DECISION_LABELS.unable}（${EXAM_UNABLE_LABELS[result.reason]}）`
      : EXAM_DECISION_LABELS[result.decision];
  return (
    <div
      className={`kz-exam-verdict kz-exam-verdict-${final}`}
      role="status"
      aria-live="assertive"
      data-testid="exam-verdict"
      data-check-id={result.checkId}
      data-trigger={trigger}
    >
      <span className="kz-exam-verdict-icon">{final === 'pass' ? '✔' : final === 'fail' ? '✘' : '?'}</span>
      <span>{label}</span>
    </div>
  );
}

interface Shown {
  result: ExamVerifyResponse & { override?: ExamCheck['override']; overrideReason?: string | null };
  frameUrl: string;
  /** Capture to answer, milliseconds (shown small; the station's speed at a glance). */
  tookMs: number;
  /** What took the frame: a key press (or the button) or the steady face. */
  trigger: 'key' | 'auto';
}

export function ExamStationPage() {
  const { message } = App.useApp();
  const sessions = useLoad(() => api.examSessions(), []);
  const [sessionId, setSessionId] = useState<number | undefined>(storedSessionId);
  const [creating, setCreating] = useState(false);
  const camera = useStationCamera();
  const [studentNumber, setStudentNumber] = useState('');
  const [busy, setBusy] = useState(false);
  const [shown, setShown] = useState<Shown>();
  const [error, setError] = useState<Error>();
  const [overriding, setOverriding] = useState<ExamOverride>();
  const [overrideReason, setOverrideReason] = useState('');
  const [savingOverride, setSavingOverride] = useState(false);
  const numberRef = useRef<InputRef>(null);
  const [autoCapture, setAutoCapture] = useState(() => localStorage.getItem(AUTO_KEY) !== '0');
  const checks = useLoad(
    () => (sessionId ? api.examChecks(sessionId) : Promise.resolve({ items: [] as ExamCheck[] })),
    [sessionId],
  );

  const items = sessions.data?.items ?? [];
  const session = items.find((s) => s.id === sessionId);
  // A remembered session that is not in the list (another account's scope) simply shows no choice.

  const focusNumber = useCallback(() => {
    numberRef.current?.focus({ cursor: 'all' });
  }, []);

  // The captured frame lives only in this page, and only until the next one.
  useEffect(() => () => (shown ? URL.revokeObjectURL(shown.frameUrl) : undefined), [shown]);

  const verify = useCallback(
    async (trigger: Shown['trigger'] = 'key') => {
      if (busy) return;
      const number = studentNumber.trim();
      if (!session) {
        message.warning('请先选择或新建考场场次');
        return;
      }
      if (!number) {
        message.warning('请先输入或扫描学号');
        focusNumber();
        return;
      }
      if (camera.state.kind !== 'on') {
        message.error('摄像头未就绪');
        return;
      }
      setBusy(true);
      setError(undefined);
      const started = performance.now();
      try {
        const frame = await camera.capture();
        if (!frame) throw new Error('摄像头画面尚未就绪，请稍后再试');
        const result = await api.verifyFace(number, frame, session.id);
        setShown({
          result,
          frameUrl: URL.createObjectURL(frame),
          tookMs: Math.round(performance.now() - started),
          trigger,
        });
        checks.reload();
        sessions.reload();
      } catch (e) {
        setShown(undefined);
        setError(e as Error);
      } finally {
        setBusy(false);
        focusNumber();
      }
    },
    [busy, studentNumber, session, camera, message, focusNumber, checks, sessions],
  );

  // Space or Enter anywhere but in a field or on a button captures (a foot pedal or a presenter
  // remote sends these too). In the student-number field Enter does the same (the scanner's Enter).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== ' ' && e.key !== 'Enter') return;
      const t = e.target as HTMLElement | null;
      if (t?.closest('input, textarea, select, button, a, [role="dialog"], .ant-select')) return;
      if (overriding || creating) return;
      e.preventDefault();
      void verify();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [verify, overriding, creating]);

  // The face box is looked for only while the camera waits for a student: not while a check runs,
  // nor while its answer (or an error) is on screen, so a shown result is never replaced by itself.
  const number = studentNumber.trim();
  const tracking = camera.state.kind === 'on' && !!session && !busy && !shown && !error && !overriding && !creating;
  const track = useFaceTrack(camera.videoRef, tracking, number);
  const firedFor = useRef<number | undefined>(undefined);
  useEffect(() => {
    const epoch = track.steadyEpoch;
    if (!autoCapture || !number || epoch === undefined || firedFor.current === epoch) return;
    firedFor.current = epoch;
    void verify('auto');
  }, [track.steadyEpoch, autoCapture, number, verify]);

  async function saveOverride() {
    if (!shown || !overriding) return;
    const reason = overrideReason.trim();
    if (!reason) {
      message.warning('请填写人工核对的理由');
      return;
    }
    setSavingOverride(true);
    try {
      const c = await api.overrideExamCheck(shown.result.checkId, { decision: overriding, reason });
      setShown({ ...shown, result: { ...shown.result, override: c.override, overrideReason: c.overrideReason } });
      setOverriding(undefined);
      setOverrideReason('');
      checks.reload();
      focusNumber();
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setSavingOverride(false);
    }
  }

  return (
    <Flex vertical gap={12} className="kz-exam">
      <Flex gap={8} wrap align="center">
        <Typography.Text strong>考场场次</Typography.Text>
        <Select
          style={{ minWidth: 320, flex: '1 1 320px', maxWidth: 560 }}
          placeholder="选择考场场次"
          loading={sessions.loading}
          value={session?.id}
          options={items.map((s) => ({ value: s.id, label: sessionLabel(s) }))}
          onChange={(id: number) => {
            setSessionId(id);
            storeSessionId(id);
            focusNumber();
          }}
          data-testid="exam-session-select"
          aria-label="考场场次"
        />
        <Button icon={<PlusOutlined />} onClick={() => setCreating(true)}>
          新建场次
        </Button>
        {session && (
          <Typography.Text type="secondary" data-testid="exam-session-counts">
            已核验 {session.counts.checked} 人次
          </Typography.Text>
        )}
      </Flex>
      {sessions.error && <Failure error={sessions.error} onRetry={sessions.reload} />}

      <div className="kz-exam-grid">
        <Flex vertical gap={8}>
          <div className="kz-exam-camera">
            {/* Mirrored like a mirror, so the student lines up naturally; the frame sent is not. */}
            <video ref={camera.videoRef} muted playsInline data-testid="exam-video" />
            <div className="kz-exam-guide" aria-hidden />
            {tracking && (
              <FaceBoxLayer track={track} videoRef={camera.videoRef} autoCapture={autoCapture} armed={!!number} />
            )}
            {camera.state.kind === 'starting' && <Spin className="kz-exam-camera-spin" description="正在打开摄像头…" />}
          </div>
          <CameraHelp state={camera.state} onRetry={camera.retry} />
          <Flex gap={8} align="center" wrap>
            {/* Before the number field in the tab order, so Tab from the field still reaches 拍照核验
                and the override buttons first. */}
            <Switch
              size="small"
              checked={autoCapture}
              onChange={(on) => {
                setAutoCapture(on);
                localStorage.setItem(AUTO_KEY, on ? '1' : '0');
              }}
              aria-label="自动拍照"
              data-testid="exam-auto-capture"
            />
            <Typography.Text style={{ fontSize: 13 }}>自动拍照</Typography.Text>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              输入学号后，考生正对摄像头保持不动约 1 秒即自动核验
            </Typography.Text>
            {camera.devices.length > 1 && (
              <Select
                size="small"
                style={{ marginLeft: 'auto', minWidth: 160 }}
                aria-label="摄像头"
                value={camera.deviceId ?? camera.devices[0]?.deviceId}
                onChange={camera.choose}
                options={camera.devices.map((d, i) => ({ value: d.deviceId, label: d.label || `摄像头 ${i + 1}` }))}
                data-testid="exam-camera-select"
              />
            )}
          </Flex>
          <Space.Compact style={{ width: '100%' }}>
            <Input
              ref={numberRef}
              size="large"
              autoFocus
              inputMode="numeric"
              autoComplete="off"
              placeholder="输入或扫描学号，回车拍照核验"
              value={studentNumber}
              onChange={(e) => {
                setStudentNumber(e.target.value);
                // A new number is the next student: the last answer goes, the face box comes back.
                setShown(undefined);
                setError(undefined);
              }}
              onPressEnter={() => void verify()}
              aria-label="学号"
              data-testid="exam-student-number"
              disabled={!session}
            />
            <Button
              size="large"
              type="primary"
              icon={<CameraOutlined />}
              loading={busy}
              disabled={!session || camera.state.kind !== 'on'}
              onClick={() => void verify()}
              data-testid="exam-capture"
            >
              拍照核验
            </Button>
          </Space.Compact>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            扫码枪扫描后自动核验；也可按回车或空格拍照{autoCapture ? '，或待考生保持不动自动拍照' : ''}。Tab
            键可移到「人工核对」按钮。
          </Typography.Text>
        </Flex>

        <div className="kz-exam-result" data-testid="exam-result">
          {busy && <Spin description="正在比对…" style={{ display: 'block', margin: '48px auto' }} />}
          {!busy && error && (
            <Alert type="error" showIcon title={error.message} className="kz-exam-error" data-testid="exam-error" />
          )}
          {!busy && !error && !shown && (
            <Empty description={session ? '请考生正对摄像头，输入或扫描学号后核验' : '请先选择或新建考场场次'} />
          )}
          {!busy && !error && shown && (
            <Flex vertical gap={8}>
              <Verdict result={shown.result} trigger={shown.trigger} />
              <div className="kz-exam-photos">
                <figure>
                  {shown.result.photoUrl ? (
                    <img src={shown.result.photoUrl} alt="采集照片" data-testid="exam-collected" />
                  ) : (
                    <div className="kz-exam-nophoto">无采集照片</div>
                  )}
                  <figcaption>采集照片</figcaption>
                </figure>
                <figure>
                  <img src={shown.frameUrl} alt="现场照片" data-testid="exam-frame" />
                  <figcaption>现场照片</figcaption>
                </figure>
              </div>
              <div className="kz-exam-facts">
                <span>
                  <b data-testid="exam-name">{shown.result.maskedName}</b> · {shown.result.studentNumber}
                </span>
                <span data-testid="exam-similarity">
                  相似度 {shown.result.similarity === null ? '—' : shown.result.similarity.toFixed(3)}（阈值{' '}
                  {shown.result.threshold.toFixed(3)}）
                </span>
                {shown.result.antiSpoof !== null && (
                  <span title="仅供参考：防翻拍模型对屏幕、照片翻拍的判断">
                    防翻拍（参考）{shown.result.antiSpoof.toFixed(2)}
                  </span>
                )}
                <span className="kz-exam-took" data-testid="exam-took" data-ms={shown.tookMs}>
                  用时 {(shown.tookMs / 1000).toFixed(1)} 秒
                </span>
              </div>
              {shown.result.override && shown.result.overrideReason && (
                <Typography.Text type="secondary">人工核对理由：{shown.result.overrideReason}</Typography.Text>
              )}
              <Space wrap>
                <Button icon={<CheckOutlined />} onClick={() => setOverriding('pass')} data-testid="exam-override-pass">
                  {EXAM_OVERRIDE_LABELS.pass}
                </Button>
                <Button
                  danger
                  icon={<CloseOutlined />}
                  onClick={() => setOverriding('fail')}
                  data-testid="exam-override-fail"
                >
                  {EXAM_OVERRIDE_LABELS.fail}
                </Button>
              </Space>
            </Flex>
          )}
        </div>
      </div>

      {session && (
        <Table
          rowKey="id"
          size="small"
          title={() => '本场最近核验'}
          loading={checks.loading}
          columns={CHECK_COLUMNS}
          dataSource={(checks.data?.items ?? []).slice(0, 10)}
          pagination={false}
          scroll={{ x: 760 }}
        />
      )}

      <Modal
        title={overriding ? EXAM_OVERRIDE_LABELS[overriding] : ''}
        open={overriding !== undefined}
        okText="确认"
        cancelText="取消"
        confirmLoading={savingOverride}
        onOk={() => void saveOverride()}
        onCancel={() => {
          setOverriding(undefined);
          focusNumber();
        }}
        destroyOnHidden
      >
        <Typography.Paragraph type="secondary">
          核对身份证、准考证后填写理由（将记入核验记录与审计日志）。回车确认，Esc 取消。
        </Typography.Paragraph>
        <Input
          autoFocus
          maxLength={EXAM_OVERRIDE_REASON_MAX}
          placeholder="如：已核对身份证与准考证，本人无误"
          value={overrideReason}
          onChange={(e) => setOverrideReason(e.target.value)}
          onPressEnter={() => void saveOverride()}
          aria-label="人工核对理由"
          data-testid="exam-override-reason"
        />
      </Modal>
      <CreateSessionDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(s) => {
          setCreating(false);
          setSessionId(s.id);
          storeSessionId(s.id);
          sessions.reload();
          message.success(`已创建场次「${s.name}」`);
        }}
      />
    </Flex>
  );
}
