import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Participant } from '@amphi/protocol';
import type { MediaSnapshot } from '../useMediaSession.js';
import { arrangeStage, type StageView } from './stageLayout.js';
import type { ObserveTile } from './useLayerSelection.js';
import { VideoTile } from './VideoTile.js';

interface Props {
  participants: Participant[];
  selfId: string | undefined;
  media: MediaSnapshot;
  observe: ObserveTile;
  /** Shown in the toolbar, after the view switch (e.g. the network quality). */
  status?: ReactNode;
}

/**
 * Everyone's video: a grid, or a speaker view (the pinned person, else the active speaker,
 * large). A shared screen is always large with its sharer's camera beside it.
 */
export function MediaStage({ participants, selfId, media, observe, status }: Props) {
  const { t } = useTranslation();
  const [view, setView] = useState<StageView>('grid');
  const [pinned, setPinned] = useState<string | null>(null);
  const layout = arrangeStage({ participants, selfId, remote: media.remote, local: media.local, talking: media.talking, activeSpeaker: media.activeSpeaker, pinned, view });
  const togglePin = (id: string) => setPinned((current) => (current === id ? null : id));
  const pinOf = (participantId: string, source: string) => (source === 'camera' ? pinned === participantId : undefined);

  return (
    <section className="card stage-card" aria-label={t('media.stage')}>
      <div className="stage-toolbar">
        <div role="group" aria-label={t('media.layout')} className="actions">
          <button type="button" className="secondary small" aria-pressed={view === 'grid'} onClick={() => setView('grid')}>
            {t('media.gridView')}
          </button>
          <button type="button" className="secondary small" aria-pressed={view === 'speaker'} onClick={() => setView('speaker')}>
            {t('media.speakerView')}
          </button>
        </div>
        {status}
      </div>
      <div className={layout.focus ? 'stage stage-focus' : 'stage stage-grid'}>
        {layout.focus && (
          <div className="stage-main">
            <VideoTile tile={layout.focus} size="large" highlight={false} pinned={pinOf(layout.focus.participantId, layout.focus.source)} onPin={togglePin} observe={observe} />
          </div>
        )}
        {layout.others.length > 0 && (
          <ul className="stage-tiles">
            {layout.others.map((tile) => (
              <li key={tile.key}>
                <VideoTile tile={tile} size="small" highlight={!layout.focus && tile.active} pinned={pinOf(tile.participantId, tile.source)} onPin={togglePin} observe={observe} />
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
