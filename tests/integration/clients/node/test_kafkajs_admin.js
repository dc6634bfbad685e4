'use strict'
// kafkajs's admin client on the admin APIs: createTopics (+ validateOnly, already
// exists), describeConfigs, createPartitions, deleteTopicRecords, deleteTopics. Each test
// runs once the broker lists the APIs it needs in ApiVersions and is skipped with the
// reason until then; when none can run, the file says SKIPPED and exits 77.
//   SLUICED=build/.../sluiced node test_kafkajs_admin.js

const assert = require('node:assert')
const { after, describe } = require('node:test')
const harness = require('./harness')
const { byPartition, compare, counts, fetchAll, makeRecords, newCluster, produce } = require('./records')

const kafkajs = harness.requireKafkajs()

const NEEDS = {
  'createTopics: new, validateOnly, already exists; then data on 6 partitions': [19],
  'describeConfigs of a created topic': [19, 32],
  'createPartitions grows a topic': [19, 37],
  'deleteTopicRecords moves the log start offset, also across a restart': [19, 21],
  'deleteTopics: gone, also after a restart': [19, 20],
}

async function main() {
  const { Kafka, logLevel, ConfigResourceTypes } = kafkajs
  const broker = await harness.Broker.start(['num.partitions=1'])
  const have = await broker.apiVersions()
  const missing = keys =>
    keys.filter(k => !have.has(k)).map(k => `${harness.ADMIN_APIS[k]} (${k})`)
  const runnable = Object.values(NEEDS).filter(keys => missing(keys).length === 0)
  if (runnable.length === 0) {
    await broker.close()
    const all = [...new Set(Object.values(NEEDS).flatMap(missing))]
    harness.skipFile(`kafkajs admin: the broker does not list ${all.join(', ')} in ApiVersions yet`)
    return
  }
  const rng = harness.seededRandom('kafkajs-admin')
  const kafka = new Kafka({
    clientId: 'sluice-kafkajs-admin-test',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 100 },
  })
  const admin = kafka.admin()
  await admin.connect()
  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()

  // A test whose APIs are missing is skipped with the names of those APIs.
  const test = (name, fn) => {
    const miss = missing(NEEDS[name])
    if (miss.length) {
      const skip = `the broker does not list ${miss.join(', ')} in ApiVersions yet`
      require('node:test').it(name, { skip }, () => {})
    } else {
      harness.it(name, fn)
    }
  }
  const partitionsOf = async topic => {
    const md = await admin.fetchTopicMetadata({ topics: [topic] })
    return md.topics[0].partitions.map(p => p.partitionId).sort((a, b) => a - b)
  }

  describe('kafkajs admin', () => {
    after(async () => {
      await producer.disconnect()
      await admin.disconnect()
      if (harness.failed()) harness.printLogs()
      await broker.close()
    })

    test('createTopics: new, validateOnly, already exists; then data on 6 partitions', async () => {
      const topic = 'kjs-admin-created'
      const created = await admin.createTopics({
        topics: [
          {
            topic,
            numPartitions: 6,
            replicationFactor: 1,
            configEntries: [{ name: 'retention.ms', value: '86400000' }],
          },
        ],
        waitForLeaders: true,
        timeout: 10000,
      })
      assert.equal(created, true, 'createTopics of a new topic')
      assert.deepEqual(await partitionsOf(topic), [0, 1, 2, 3, 4, 5])
      // kafkajs answers false for TOPIC_ALREADY_EXISTS.
      assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 6 }] }), false)
      // (waitForLeaders would wait for a topic that validateOnly does not create)
      await admin.createTopics({
        topics: [{ topic: 'kjs-admin-validate', numPartitions: 2 }],
        validateOnly: true,
        waitForLeaders: false,
      })
      assert.ok(!(await admin.listTopics()).includes('kjs-admin-validate'), 'validateOnly created the topic')
      const recs = makeRecords(rng, 1200, 6)
      const expected = byPartition(recs, 6)
      await produce(producer, topic, recs, { acks: -1 })
      compare(expected, await fetchAll(kafka, topic, counts(expected)), topic)
    })

    test('describeConfigs of a created topic', async () => {
      const topic = 'kjs-admin-configs'
      await admin.createTopics({
        topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '123456789' }] }],
      })
      const r = await admin.describeConfigs({
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
        includeSynonyms: false,
      })
      assert.equal(r.resources.length, 1)
      const res = r.resources[0]
      assert.equal(res.errorCode, 0)
      assert.equal(res.resourceName, topic)
      const entries = Object.fromEntries(res.configEntries.map(e => [e.configName, e]))
      assert.equal(entries['retention.ms'] && entries['retention.ms'].configValue, '123456789')
      assert.equal(entries['retention.ms'].isDefault, false)
      assert.ok(entries['segment.bytes'], 'segment.bytes is described')
      // Only some keys, when asked for.
      const some = await admin.describeConfigs({
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }],
        includeSynonyms: false,
      })
      assert.deepEqual(some.resources[0].configEntries.map(e => e.configName), ['retention.ms'])
    })

    test('createPartitions grows a topic', async () => {
      const topic = 'kjs-admin-grow'
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })
      await admin.createPartitions({ topicPartitions: [{ topic, count: 5 }] })
      assert.deepEqual(await partitionsOf(topic), [0, 1, 2, 3, 4])
      const recs = makeRecords(rng, 500, 5)
      const expected = byPartition(recs, 5)
      await produce(producer, topic, recs, { acks: -1 })
      compare(expected, await fetchAll(kafka, topic, counts(expected)), topic)
    })

    test('deleteTopicRecords moves the log start offset, also across a restart', async () => {
      const topic = 'kjs-admin-delete-records'
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })
      const recs = makeRecords(rng, 1000, 2, { bigEvery: 0 })
      const expected = byPartition(recs, 2)
      await produce(producer, topic, recs, { acks: -1 })
      const cut = Math.floor(expected[0].length / 2)
      // kafkajs looks the leader up before it loads the topic's metadata: load it first.
      await admin.fetchTopicMetadata({ topics: [topic] })
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: String(cut) }] })
      const check = async what => {
        const offsets = (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition)
        assert.deepEqual(
          offsets.map(o => [o.low, o.high]),
          [[String(cut), String(expected[0].length)], ['0', String(expected[1].length)]],
          `${what}: low and high offsets`
        )
        const got = await fetchAll(kafka, topic, { 0: expected[0].length }, { starts: { 0: cut } })
        compare({ 0: expected[0].slice(cut) }, got, `${topic} from the new start (${what})`)
      }
      await check('after DeleteRecords')
      // Below the log start offset a fetch is out of range.
      const cluster = newCluster(kafka)
      await cluster.connect()
      try {
        await cluster.addTargetTopic(topic)
        const b = await cluster.findBroker({ nodeId: 0 })
        await assert.rejects(
          b.fetch({
            replicaId: -1,
            isolationLevel: 1,
            maxWaitTime: 0,
            minBytes: 0,
            maxBytes: 1 << 20,
            topics: [{ topic, partitions: [{ partition: 0, fetchOffset: '0', maxBytes: 1 << 20 }] }],
          }),
          e => e.type === 'OFFSET_OUT_OF_RANGE',
          'fetch below the log start offset'
        )
      } finally {
        await cluster.disconnect()
      }
      await producer.disconnect()
      await broker.restart()
      await producer.connect()
      await check('after a restart')
      // Offset -1: everything up to the high watermark.
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 1, offset: '-1' }] })
      const offsets = (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition)
      const n1 = String(expected[1].length)
      assert.deepEqual([offsets[1].low, offsets[1].high], [n1, n1], 'partition 1 emptied by offset -1')
    })

    test('deleteTopics: gone, also after a restart', async () => {
      const topic = 'kjs-admin-deleted'
      await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })
      await produce(producer, topic, makeRecords(rng, 300, 3), { acks: 1 })
      await admin.deleteTopics({ topics: [topic], timeout: 10000 })
      assert.ok(!(await admin.listTopics()).includes(topic), 'deleted topic still listed')
      await producer.disconnect()
      await broker.restart()
      await producer.connect()
      assert.ok(!(await admin.listTopics()).includes(topic), 'deleted topic back after a restart')
    })
  })
}

if (kafkajs) {
  main().catch(e => {
    console.error(e)
    harness.printLogs()
    process.exit(1)
  })
}
