// Preparing and sending a photo. Phone photos are 3–12 MB; shrinking them before upload saves most
// of the wait on 4G while keeping far more detail than the 480×640 result needs.
import { Dialog, Toast } from 'antd-mobile';
import { type ApiFailure, uploadPhoto } from './api.js';
import { entryRef } from './entry.js';
import { navigate } from './router.js';
import { pendingAttempt, rememberAttempt, toIdentity } from './session.js';

const MAX_SIDE = 2400;
const SHRINK_ABOVE_BYTES = 1.5 * 1024 * 1024;

async function shrink(file: File): Promise<Blob> {
  if (file.size < SHRINK_ABOVE_BYTES || !/^image\/(jpeg|png|webp)$/.test(file.type)) return file;
  try {
    // from-image applies the EXIF rotation, so a portrait stays upright after re-encoding.
    const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    if (scale === 1 && file.type === 'image/jpeg') return file;
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/jpeg', 0.92));
    return blob ?? file;
  } catch {
    // Undecodable here (e.g. HEIC): send as is and let the server explain what is wrong.
    return file;
  }
}

/** Uploads a photo and goes to 制作中; returns false (after telling the student) on failure. */
export async function sendPhoto(photo: Blob, name: string, onProgress: (f: number) => void): Promise<boolean> {
  const fromAlbum = photo instanceof File;
  const body = fromAlbum ? await shrink(photo) : photo;
  try {
    const attempt = await uploadPhoto(body, name, fromAlbum ? 'upload' : 'camera', onProgress, entryRef);
    rememberAttempt(attempt.id);
    navigate(`/making/${encodeURIComponent(attempt.id)}`, { replace: true });
    return true;
  } catch (e) {
    const err = e as ApiFailure;
    if (err.status === 401 || err.code === 'consent.required') {
      // Session gone or agreement not accepted: the identity page handles both.
      Toast.show({ content: err.message });
      toIdentity('collect');
    } else if (err.code === 'photo.processing' && pendingAttempt()) {
      // The server makes one photo per student at a time: lead back to the one being made.
      const id = pendingAttempt()!;
      Dialog.alert({
        title: '照片正在制作中',
        content: err.message,
        confirmText: '查看制作进度',
        onConfirm: () => navigate(`/making/${encodeURIComponent(id)}`, { replace: true }),
      });
    } else {
      // A dialog, not a toast: messages like the HEIC one tell the student what to change.
      Dialog.alert({ title: '上传失败', content: err.message, confirmText: '知道了' });
    }
    return false;
  }
}
