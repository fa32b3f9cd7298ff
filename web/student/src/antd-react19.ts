// antd-mobile 5 renders Dialog.confirm / Toast.show with ReactDOM.render, which React 19 removed;
// without this hook those calls silently show nothing. (mobile.ant.design/guide/v5-for-19)
// Deep import: the package index is marked side-effectful and would drag every component in.
import { unstableSetRender } from 'antd-mobile/es/utils/unstable-render.js';
import { createRoot, type Root } from 'react-dom/client';

type Container = (Element | DocumentFragment) & { _kaozhaoRoot?: Root };

unstableSetRender((node, container: Container) => {
  container._kaozhaoRoot ??= createRoot(container);
  const root = container._kaozhaoRoot;
  root.render(node);
  return async () => {
    // Let the closing animation's last render finish before unmounting.
    await new Promise((resolve) => setTimeout(resolve, 0));
    root.unmount();
    container._kaozhaoRoot = undefined;
  };
});
