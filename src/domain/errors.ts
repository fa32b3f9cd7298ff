// Error codes the engine and the API return, each with the message a student or admin sees.
// Messages never include personal data; callers add only non-personal detail.

export const ERRORS = {
  // Photo input (engine).
  'image.empty': { status: 400, zh: '文件为空，请重新选择照片', en: 'The file is empty' },
  'image.unsupported_type': {
    status: 415,
    zh: '不支持的文件格式，请上传 JPG、PNG 或 WebP 照片',
    en: 'Unsupported file type: upload a JPEG, PNG or WebP photo',
  },
  'image.heic': {
    status: 415,
    zh: '暂不支持 HEIC 格式。请在 iPhone「设置 → 相机 → 格式」中选择「兼容性最佳」后重拍，或截图后上传',
    en: 'HEIC is not supported: set Settings → Camera → Formats → Most Compatible, or upload a JPEG',
  },
  'image.animated': {
    status: 415,
    zh: '不支持动图，请上传一张静态照片',
    en: 'Animated images are not supported: upload a still photo',
  },
  'image.corrupt': { status: 422, zh: '照片文件已损坏，无法读取，请重新拍摄', en: 'The image is damaged and cannot be read' },
  'image.too_large': {
    status: 413,
    zh: '照片像素过大（上限 5000 万像素），请压缩后上传',
    en: 'The image has too many pixels (limit 50 megapixels)',
  },
  'image.file_too_large': { status: 413, zh: '文件过大，请上传 20MB 以内的照片', en: 'The file is too large' },
  'image.too_small': {
    status: 422,
    zh: '照片分辨率太低，请使用手机相机直接拍摄',
    en: 'The image resolution is too low',
  },
  'engine.busy': { status: 503, zh: '系统繁忙，请稍后再试', en: 'The photo service is busy, try again shortly' },
  'engine.crashed': {
    status: 500,
    zh: '照片处理出错，请重新上传',
    en: 'Processing failed unexpectedly, please upload again',
  },
  'engine.timeout': { status: 504, zh: '照片处理超时，请重新上传', en: 'Processing timed out' },
} as const satisfies Record<string, { status: number; zh: string; en: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** A typed error with a code, an HTTP status and user-facing messages. Nothing personal inside. */
export class KaozhaoError extends Error {
  readonly code: string;
  readonly status: number;
  readonly zh: string;
  readonly en: string;

  constructor(code: string, status: number, zh: string, en: string, options?: { cause?: unknown }) {
    super(en, options);
    this.name = 'KaozhaoError';
    this.code = code;
    this.status = status;
    this.zh = zh;
    this.en = en;
  }

  static of(code: ErrorCode, options?: { cause?: unknown }): KaozhaoError {
    const e = ERRORS[code];
    return new KaozhaoError(code, e.status, e.zh, e.en, options);
  }

  toJSON(): { code: string; message: string; messageEn: string } {
    return { code: this.code, message: this.zh, messageEn: this.en };
  }
}
