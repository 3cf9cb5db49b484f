// Lua run inside Redis so that each registry change and its announcement happen at once: a node
// never sees a session in the hash that was not announced, nor two nodes both win one full JID.

/** KEYS: sessions hash, broadcast channel. ARGV: jid, entry JSON, sid, since, announcement.
 *  Returns {1, previous entry or ""} when stored; {0, newer entry} when a newer session holds the JID. */
export const REGISTER = `
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local o = cjson.decode(old)
  if o.sid ~= ARGV[3] and tonumber(o.since) > tonumber(ARGV[4]) then return {0, old} end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', KEYS[2], ARGV[5])
return {1, old or ''}
`;

/** KEYS: sessions hash, broadcast channel. ARGV: jid, sid, new entry JSON or "" to delete, announcement.
 *  Acts only while the JID still belongs to that session; returns 1 when it did. */
export const REPLACE_IF_OWNER = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v or cjson.decode(v).sid ~= ARGV[2] then return 0 end
if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
redis.call('PUBLISH', KEYS[2], ARGV[4])
return 1
`;

/** KEYS: sessions hash, nodes set, the node's lease key, broadcast channel. ARGV: node.
 *  When the lease has lapsed, drops the node and its sessions (announcing each); returns them as
 *  a flat list jid, entry, jid, entry…, so exactly one caller acts for each. */
export const REAP = `
if redis.call('EXISTS', KEYS[3]) == 1 then return {} end
local all = redis.call('HGETALL', KEYS[1])
local out = {}
for i = 1, #all, 2 do
  local e = cjson.decode(all[i + 1])
  if e.node == ARGV[1] then
    redis.call('HDEL', KEYS[1], all[i])
    redis.call('PUBLISH', KEYS[4], cjson.encode({t = 'del', jid = all[i], sid = e.sid}))
    out[#out + 1] = all[i]
    out[#out + 1] = all[i + 1]
  end
end
redis.call('SREM', KEYS[2], ARGV[1])
return out
`;

/** KEYS: the owner key of a component's JID (room), the current owner's lease key prefix. ARGV: node.
 *  A JID is owned by one node at a time, for as long as that node's lease holds (no lease of its
 *  own). Returns "=" when this node already held it, "+" when it just took it (free, or its owner's
 *  lease had lapsed), else the owning node's name. */
export const CLAIM = `
local o = redis.call('GET', KEYS[1])
if o == ARGV[1] then return '=' end
if o and redis.call('EXISTS', KEYS[2] .. o) == 1 then return o end
redis.call('SET', KEYS[1], ARGV[1])
return '+'
`;

/** KEYS: an owner key. ARGV: node. Deletes it while this node owns it. */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
