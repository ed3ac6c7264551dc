export { createBridge, type Bridge } from './app';
export { loadBridgeConfig, type BridgeConfig } from './config';
export { BridgeService, BridgeRefusal, type BridgeResult, type TbsPackage, type DecryptRequest, type DecryptResult } from './service';
export { RET, LAST_ERROR, SERVER_VERSION } from './codes';
export { unlockCard } from './unlock';
export { decryptFile } from './decryptFile';
export { parseEnvelopedData, EnvelopeError } from './envelope';
