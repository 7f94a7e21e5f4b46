import type { LeaderboardWindow } from '@skillbytes/shared';
import { useState } from 'react';
import { Board, WindowTabs } from '../board.tsx';

/** The top of the board for all time, this week or this month, and where the caller stands. */
export function Leaderboard({ myUserId }: { myUserId: string }) {
  const [window, setWindow] = useState<LeaderboardWindow>('all');

  return (
    <main>
      <h1>Leaderboard</h1>
      <WindowTabs value={window} onChange={setWindow} />
      <Board window={window} myUserId={myUserId} caption="Leaderboard" />
    </main>
  );
}
