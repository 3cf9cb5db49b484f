// Lua run inside Redis so that each registry change and its announcement happen at once: a node
// never sees a session in the hash that was not announced, nor two nodes both win one full JID.

/** KEYS: sessions hash, broadcast channel. ARGV[2]: the announcement's opening, naming the node
 *  (`{"t":"batch","n":"<node>","m":[`). ARGV[1]: a JSON array of registry changes, applied in order:
 *  ["r", jid, entry JSON, sid, since, announcement] stores an entry unless a newer session (a later
 *  `since`, another sid) holds the JID; ["p", jid, sid, entry JSON or "" to delete, announcement]
 *  replaces or deletes the JID's entry while that session still holds it.
 *  The announcements of the changes made go out as ONE message {"t":"batch","n":…,"m":[…]}, so a burst of
 *  logins costs each node one message, not one per change.
 *  Returns one {done, entry} per change: for "r", {1, previous entry or ""} when stored, {0, newer
 *  entry} when not; for "p", {1, ""} when done, {0, ""} when the JID had another owner. */
export const BATCH = `
local ops = cjson.decode(ARGV[1])
local out, said = {}, {}
for i, op in ipairs(ops) do
  local cur = redis.call('HGET', KEYS[1], op[2])
  if op[1] == 'r' then
    local newer = false
    if cur then
      local o = cjson.decode(cur)
      newer = o.sid ~= op[4] and tonumber(o.since) > tonumber(op[5])
    end
    if newer then
      out[i] = {0, cur}
    else
      redis.call('HSET', KEYS[1], op[2], op[3])
      said[#said + 1] = op[6]
      out[i] = {1, cur or ''}
    end
  elseif cur and cjson.decode(cur).sid == op[3] then
    if op[4] == '' then redis.call('HDEL', KEYS[1], op[2]) else redis.call('HSET', KEYS[1], op[2], op[4]) end
    said[#said + 1] = op[5]
    out[i] = {1, ''}
  else
    out[i] = {0, ''}
  end
end
if #said > 0 then
  redis.call('PUBLISH', KEYS[2], ARGV[2] .. table.concat(said, ',') .. ']}')
end
return out
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
