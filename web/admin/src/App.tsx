import { Result, Spin } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import type { AdminSelf, UnitNode } from '../../../src/domain/admin-api.js';
import { ApiFailure, api, setUnauthorizedHandler } from './api.js';
import { ConsoleLayout } from './components/ConsoleLayout.js';
import { ForcedPasswordChangePage } from './pages/ChangePassword.js';
import { LoginPage } from './pages/Login.js';
import { PosterPage, posterRoute } from './pages/Poster.js';

type State =
  | { kind: 'checking' }
  | { kind: 'signed-out' }
  | { kind: 'must-change-password'; me: AdminSelf }
  | { kind: 'signed-in'; me: AdminSelf; units: UnitNode[] }
  | { kind: 'error'; message: string };

export function App() {
  const [state, setState] = useState<State>({ kind: 'checking' });

  const enter = useCallback(async (me: AdminSelf) => {
    // The server refuses everything else until the password another admin chose is replaced.
    if (me.mustChangePassword) {
      setState({ kind: 'must-change-password', me });
      return;
    }
    const { items } = await api.units();
    setState({ kind: 'signed-in', me, units: items });
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => setState({ kind: 'signed-out' }));
    // A session cookie may survive a reload: ask who we are before showing the login form.
    api
      .me()
      .then(enter)
      .catch((e: unknown) =>
        setState(
          e instanceof ApiFailure && e.status === 401
            ? { kind: 'signed-out' }
            : { kind: 'error', message: (e as Error).message },
        ),
      );
  }, [enter]);

  const reloadUnits = useCallback(async () => {
    const { items } = await api.units();
    setState((s) => (s.kind === 'signed-in' ? { ...s, units: items } : s));
  }, []);

  const logout = useCallback(() => {
    api.logout().finally(() => setState({ kind: 'signed-out' }));
  }, []);

  switch (state.kind) {
    case 'checking':
      return <Spin fullscreen description="正在加载…" />;
    case 'signed-out':
      return <LoginPage onSignedIn={enter} />;
    case 'must-change-password':
      return <ForcedPasswordChangePage me={state.me} onChanged={enter} onLogout={logout} />;
    case 'error':
      return <Result status="error" title="无法连接服务" subTitle={state.message} />;
    case 'signed-in': {
      // The printable entry poster opens in a tab of its own, without the console around it.
      const poster = posterRoute();
      if (poster) return <PosterPage {...poster} />;
      return <ConsoleLayout me={state.me} units={state.units} onLogout={logout} reloadUnits={reloadUnits} />;
    }
  }
}
