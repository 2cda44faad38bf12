// Gathers a page's ICE candidates against the given STUN/TURN servers: what WebRTC would reveal
// (local addresses) and where it would send packets. Resolves when gathering completes or after
// `timeoutMs`, whichever comes first.
import type { Page } from 'puppeteer-core';

export interface IceProbe {
  /** The candidate lines gathered. */
  found: string[];
  /** The local description, which may carry candidates too. */
  sdp: string;
}

export function gatherIceCandidates(page: Page, iceServers: RTCIceServer[], timeoutMs = 4000): Promise<IceProbe> {
  return page.evaluate(
    async (servers: RTCIceServer[], waitMs: number) => {
      const connection = new RTCPeerConnection({ iceServers: servers });
      connection.createDataChannel('probe');
      const found: string[] = [];
      connection.onicecandidate = (event) => {
        if (event.candidate?.candidate) found.push(event.candidate.candidate);
      };
      await connection.setLocalDescription(await connection.createOffer());
      await new Promise<void>((done) => {
        const timer = setTimeout(done, waitMs);
        connection.onicegatheringstatechange = () => {
          if (connection.iceGatheringState === 'complete') {
            clearTimeout(timer);
            done();
          }
        };
      });
      const sdp = connection.localDescription?.sdp ?? '';
      connection.close();
      return { found, sdp };
    },
    iceServers,
    timeoutMs,
  );
}
