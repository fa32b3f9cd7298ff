import { App as AntApp, ConfigProvider } from 'antd';
import type { Locale } from 'antd/es/locale/index.js';
import * as zhCNModule from 'antd/locale/zh_CN.js';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import './styles.css';

// antd ships locales as CommonJS, and TypeScript (NodeNext) and the bundler wrap it in different
// numbers of `default` layers: unwrap until the locale object itself.
function unwrapLocale(m: unknown): Locale {
  let v = m as { locale?: string; default?: unknown };
  while (!v.locale && v.default) v = v.default as typeof v;
  return v as Locale;
}
const zhCN = unwrapLocale(zhCNModule);

const root = document.getElementById('root');
if (root)
  createRoot(root).render(
    <StrictMode>
      <ConfigProvider locale={zhCN}>
        <AntApp>
          <App />
        </AntApp>
      </ConfigProvider>
    </StrictMode>,
  );
