// What the early skip learnt before handing over to the full bundle in the same process: the
// environment properties (so get-config runs once) and the calls it made (so --stats-file
// counts every call of the run).
export const handover: { properties?: Record<string, string>; calls: Map<string, number> } = { calls: new Map() };
