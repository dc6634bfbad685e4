'use strict'
// Record sets for the kafkajs tests (like ../records.py), a producer helper that checks
// the acknowledged offsets, and a reader that goes through kafkajs's own Fetch path
// (cluster -> broker.fetch -> its RecordBatch decoder) without a consumer group.

const assert = require('node:assert')

/**
 * `count` records over `partitions`: keys binary/text/empty/null, values random bytes
 * (every `bigEvery`-th ~100 KiB) or empty or null, 0-3 headers (repeated names become
 * arrays, as kafkajs represents them), timestamps base+i ms. No null header values:
 * kafkajs 2.2.4 cannot encode them (Buffer.byteLength(null) in sizeOfHeaders).
 */
function makeRecords(rng, count, partitions, { baseTs = Date.now() - 3600000, bigEvery = 1000 } = {}) {
  const out = []
  for (let i = 0; i < count; i++) {
    let r = rng.random()
    const key =
      r < 0.03
        ? null
        : r < 0.06
        ? Buffer.alloc(0)
        : r < 0.5
        ? Buffer.from(`key-${rng.int(200)}`)
        : rng.bytes(1 + rng.int(39))
    r = rng.random()
    const value =
      r < 0.02
        ? null
        : r < 0.04
        ? Buffer.alloc(0)
        : bigEvery && i % bigEvery === bigEvery - 1
        ? rng.bytes(100000 + rng.int(5000))
        : rng.bytes(1 + rng.int(1999))
    const headers = {}
    const n = [0, 0, 1, 2, 3][rng.int(5)]
    for (let h = 0; h < n; h++) {
      const name = `h${rng.int(3)}`
      const v = rng.bytes(rng.int(30))
      if (!(name in headers)) headers[name] = v
      else if (Array.isArray(headers[name])) headers[name].push(v)
      else headers[name] = [headers[name], v]
    }
    out.push({ partition: rng.int(partitions), key, value, headers, timestamp: String(baseTs + i) })
  }
  return out
}

function byPartition(recs, partitions) {
  const out = {}
  for (let p = 0; p < partitions; p++) out[p] = []
  for (const r of recs) out[r.partition].push(r)
  return out
}

function counts(expected) {
  const out = {}
  for (const p of Object.keys(expected)) out[p] = expected[p].length
  return out
}

const short = v =>
  v === null || v === undefined
    ? String(v)
    : Buffer.isBuffer(v)
    ? `${v.length} bytes ${v.subarray(0, 16).toString('hex')}${v.length > 16 ? '...' : ''}`
    : JSON.stringify(v)

const sameBytes = (a, b) =>
  a === null || b === null ? a === b : Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b)

function sameHeaders(a, b) {
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  for (const k of ka) {
    const va = a[k]
    const vb = b[k]
    if (Array.isArray(va) !== Array.isArray(vb)) return false
    if (Array.isArray(va)) {
      if (va.length !== vb.length || !va.every((x, i) => sameBytes(x, vb[i]))) return false
    } else if (!sameBytes(va, vb === undefined ? undefined : vb)) return false
  }
  return true
}

const showHeaders = h =>
  JSON.stringify(
    Object.fromEntries(
      Object.entries(h).map(([k, v]) => [k, Array.isArray(v) ? v.map(short) : short(v)])
    )
  )

/** expected, got: {partition: [record]} in offset order; fails on the first difference. */
function compare(expected, got, what, { checkTimestamps = true } = {}) {
  assert.deepEqual(Object.keys(got).sort(), Object.keys(expected).sort(), `${what}: partitions`)
  for (const p of Object.keys(expected)) {
    const e = expected[p]
    const g = got[p]
    for (let i = 0; i < Math.min(e.length, g.length); i++) {
      const where = `${what}: partition ${p} offset ${i}`
      if (!sameBytes(e[i].key, g[i].key))
        assert.fail(`${where}: key ${short(g[i].key)}, expected ${short(e[i].key)}`)
      if (!sameBytes(e[i].value, g[i].value))
        assert.fail(`${where}: value ${short(g[i].value)}, expected ${short(e[i].value)}`)
      if (!sameHeaders(e[i].headers, g[i].headers))
        assert.fail(`${where}: headers ${showHeaders(g[i].headers)}, expected ${showHeaders(e[i].headers)}`)
      if (checkTimestamps) assert.equal(g[i].timestamp, e[i].timestamp, `${where}: timestamp`)
    }
    assert.equal(g.length, e.length, `${what}: partition ${p} record count`)
  }
}

/**
 * Sends recs in order, `chunk` messages per send(); with acks != 0 checks that every
 * partition's base offsets follow on from `startOffsets` (default 0) in send order.
 */
async function produce(producer, topic, recs, { acks = -1, chunk = 500, compression, startOffsets = {} } = {}) {
  const next = { ...startOffsets }
  for (let i = 0; i < recs.length; i += chunk) {
    const part = recs.slice(i, i + chunk)
    const meta = await producer.send({
      topic,
      acks,
      compression,
      timeout: 30000,
      messages: part.map(r => ({
        partition: r.partition,
        key: r.key,
        value: r.value,
        headers: r.headers,
        timestamp: r.timestamp,
      })),
    })
    if (acks === 0) continue
    const sent = {}
    for (const r of part) sent[r.partition] = (sent[r.partition] || 0) + 1
    assert.deepEqual(
      meta.map(m => m.partition).sort((a, b) => a - b),
      Object.keys(sent).map(Number).sort((a, b) => a - b),
      'one RecordMetadata per partition sent to'
    )
    for (const m of meta) {
      assert.equal(m.errorCode, 0, `partition ${m.partition}: error code`)
      assert.equal(m.topicName, topic)
      const want = next[m.partition] || 0
      assert.equal(m.baseOffset, String(want), `partition ${m.partition}: base offset`)
      next[m.partition] = want + sent[m.partition]
    }
  }
  return next
}

/** kafkajs's internal cluster (the one its producer, consumer and admin use). */
function newCluster(kafka) {
  const sym = Object.getOwnPropertySymbols(kafka).find(s => s.description === 'private:Kafka:createCluster')
  assert.ok(sym, 'kafkajs internals changed: no createCluster symbol on Kafka')
  return kafka[sym]({ allowAutoTopicCreation: false })
}

/**
 * Reads every partition p of `topic` from starts[p] (default 0) up to ends[p] through
 * broker.fetch (Fetch v11, kafkajs's decoder); returns {p: [record]}, and checks offsets
 * are consecutive, the high watermark ends at ends[p], and nothing lies beyond it.
 */
async function fetchAll(kafka, topic, ends, { starts = {}, timeoutMs = 60000 } = {}) {
  const cluster = newCluster(kafka)
  await cluster.connect()
  try {
    await cluster.addTargetTopic(topic)
    const partitions = Object.keys(ends).map(Number)
    const leaders = cluster.findLeaderForPartitions(topic, partitions)
    const got = {}
    const next = {}
    for (const p of partitions) {
      got[p] = []
      next[p] = starts[p] || 0
    }
    const deadline = Date.now() + timeoutMs
    for (const [nodeId, parts] of Object.entries(leaders)) {
      const broker = await cluster.findBroker({ nodeId })
      for (const p of parts) {
        while (next[p] < ends[p]) {
          assert.ok(Date.now() < deadline, `fetch ${topic}-${p}: timed out at offset ${next[p]}`)
          const resp = await broker.fetch({
            replicaId: -1,
            isolationLevel: 1,
            maxWaitTime: 200,
            minBytes: 1,
            maxBytes: 4 << 20,
            topics: [{ topic, partitions: [{ partition: p, fetchOffset: String(next[p]), maxBytes: 1 << 20 }] }],
          })
          const pd = resp.responses[0].partitions[0]
          assert.equal(pd.errorCode, 0, `fetch ${topic}-${p} at ${next[p]}: error code`)
          // The high watermark is the flushed end: after acks=1 or 0 it may still be
          // behind for about one fdatasync, and the fetch waits (maxWaitTime) for it.
          assert.ok(
            Number(pd.highWatermark) <= ends[p],
            `fetch ${topic}-${p}: high watermark ${pd.highWatermark} > ${ends[p]}`
          )
          for (const m of pd.messages) {
            const off = Number(m.offset)
            if (off < next[p]) continue // the start of a batch that began before
            assert.equal(off, next[p], `${topic}-${p}: offsets must be consecutive`)
            assert.ok(!m.isControlRecord, 'no control records without transactions')
            got[p].push({ partition: p, key: m.key, value: m.value, headers: m.headers, timestamp: m.timestamp })
            next[p]++
          }
        }
        // Nothing past the end: an immediate fetch there brings no record.
        const tail = await broker.fetch({
          replicaId: -1,
          isolationLevel: 1,
          maxWaitTime: 0,
          minBytes: 0,
          maxBytes: 1 << 20,
          topics: [{ topic, partitions: [{ partition: p, fetchOffset: String(ends[p]), maxBytes: 1 << 20 }] }],
        })
        assert.equal(tail.responses[0].partitions[0].highWatermark, String(ends[p]), `${topic}-${p}: high watermark`)
        const extra = tail.responses[0].partitions[0].messages.filter(m => Number(m.offset) >= ends[p])
        assert.equal(extra.length, 0, `${topic}-${p}: records past offset ${ends[p]}`)
      }
    }
    return got
  } finally {
    await cluster.disconnect()
  }
}

module.exports = { byPartition, compare, counts, fetchAll, makeRecords, newCluster, produce }
