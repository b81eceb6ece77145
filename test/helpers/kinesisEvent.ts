/** Kinesis events and Lambda contexts for tests; implemented in `shared/consumer/testing/` so provider authors can use them too. */
export { kinesisEventFromRecords, recordData, fakeLambdaContext } from '../../shared/consumer/testing/kinesisEvent.ts';
