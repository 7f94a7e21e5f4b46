import type { LeaderboardWindow } from '@skillbytes/shared';
import { useState } from 'react';
import { Board, WindowTabs } from '../board.tsx';
import { useReadAgainOnPush } from '../read-again.ts';

/**
 * The top of the board for all time, this week or this month, and where the caller stands; read again
 * when points change (at most once a second), without a reload.
 */
export function Leaderboard({ myUserId }: { myUserId: string }) {
  const [window, setWindow] = useState<LeaderboardWindow>('all');
  useReadAgainOnPush('leaderboard.onChange', 'leaderboard');

  return (
    <main>
      <h1>Leaderboard</h1>
      <WindowTabs value={window} onChange={setWindow} />
      <Board window={window} myUserId={myUserId} caption="Leaderboard" />
    </main>
  );
}
