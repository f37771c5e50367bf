/**
 * Outbound drain: N messages queued for a remote domain, then a local sink
 * is started and the server delivers them. Needs outbound delivery
 * (`--route`); returns null where the server cannot relay yet.
 */
export function runDrain(
  _options: { root: string; benchRoot: string; messages: number },
): Promise<
  {
    messages: number;
    perSecond: number;
    connections: number;
    cpuUsPerMessage: number;
    peakRssMb: number;
  } | null
> {
  return Promise.resolve(null);
}
