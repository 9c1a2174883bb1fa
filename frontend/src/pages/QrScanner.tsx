// The check-in page's camera: the back camera in a <video>, read a few times a second by the browser's own
// BarcodeDetector (QR codes only). Offered only where the browser has BarcodeDetector; the typed code works anyway.
import { useEffect, useRef, useState } from 'react';

/** The part of the Shape Detection API used here (not in TypeScript's DOM types yet). */
interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<DetectedBarcode[]>;
}
type BarcodeDetectorClass = new (options: { formats: string[] }) => BarcodeDetectorLike;

const SCAN_EVERY_MS = 200;

export function cameraScanSupported(): boolean {
  return typeof window !== 'undefined' && 'BarcodeDetector' in window && !!navigator.mediaDevices?.getUserMedia;
}

export function QrScanner({ onCode }: { onCode: (code: string) => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [on, setOn] = useState(false);
  const [problem, setProblem] = useState('');
  const handler = useRef(onCode);
  handler.current = onCode;

  useEffect(() => {
    if (!on) return;
    let stopped = false;
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const Detector = (window as unknown as { BarcodeDetector: BarcodeDetectorClass }).BarcodeDetector;
    const detector = new Detector({ formats: ['qr_code'] });

    const scan = async () => {
      const el = video.current;
      if (stopped || !el) return;
      if (el.readyState >= 2) {
        try {
          const [found] = await detector.detect(el);
          if (found?.rawValue && !stopped) handler.current(found.rawValue);
        } catch {
          /* a frame that could not be read: the next one will */
        }
      }
      if (!stopped) timer = setTimeout(scan, SCAN_EVERY_MS);
    };

    (async () => {
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false });
        if (stopped || !video.current) return;
        video.current.srcObject = stream;
        await video.current.play();
        setProblem('');
        void scan();
      } catch (error) {
        if (stopped) return;
        const denied = error instanceof DOMException && error.name === 'NotAllowedError';
        setProblem(denied ? 'The camera is not allowed: allow it in the browser, or type the code.' : 'The camera could not start: type the code.');
        setOn(false);
      }
    })();

    return () => {
      stopped = true;
      clearTimeout(timer);
      stream?.getTracks().forEach((t) => t.stop());
    };
  }, [on]);

  return (
    <div className="scanner" data-testid="scanner">
      <div className="actions">
        <button type="button" className={on ? 'secondary' : undefined} onClick={() => setOn((v) => !v)} aria-pressed={on}>
          {on ? 'Stop the camera' : 'Scan with the camera'}
        </button>
      </div>
      {problem && <p className="field-error">{problem}</p>}
      <video ref={video} className="scanner-video" hidden={!on} muted playsInline aria-label="Camera view: hold the QR code in front of it" />
    </div>
  );
}
