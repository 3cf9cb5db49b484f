// Who may ask for slots (Prosody's http_file_share_access): with no list, every account of this
// server's hosts (the router only hands the component stanzas from local sessions anyway); with a
// list, only the bare JIDs and domains on it.
export function mayUpload(
  access: readonly string[],
  isLocalHost: (domain: string) => boolean,
  bare: string,
): boolean {
  const domain = bare.slice(bare.indexOf("@") + 1);
  return access.length === 0 ? isLocalHost(domain) : access.includes(bare) || access.includes(domain);
}
