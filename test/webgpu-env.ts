/**
 * The environment the WebGPU tests run their child processes in. The library never picks a Vulkan driver by
 * itself (a user names a software one with VK_ICD_FILENAMES); the tests do: the machine's own drivers if any,
 * else Chromium's SwiftShader, the software driver Dawn accepts. The Vulkan loader is the system's
 * (libvulkan1, which `.ci/run` installs), else the copy Chromium ships beside SwiftShader, named through
 * LD_LIBRARY_PATH because the dynamic linker reads that only when a process starts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findVulkanDrivers, findVulkanLoader, SWIFTSHADER_ICD } from '../src/runtime/webgpu';

export interface WebGpuTestEnv {
  /** Environment for a child process, or null when no Vulkan driver can be found. */
  env: NodeJS.ProcessEnv | null;
  /** What was found, or why the tests skip. */
  reason: string;
}

/**
 * CEFRLAB_REQUIRE_WEBGPU=1 (set by `.ci/run`, which installs the driver) turns a skip into a failure.
 */
export function webgpuTestEnv(): WebGpuTestEnv {
  const found = findWebGpuTestEnv();
  if (!found.env && process.env.CEFRLAB_REQUIRE_WEBGPU === '1') throw new Error(`CEFRLAB_REQUIRE_WEBGPU=1 but ${found.reason}`);
  return found;
}

function findWebGpuTestEnv(): WebGpuTestEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR || '/tmp' };
  if (findVulkanDrivers(env).length === 0) {
    if (!fs.existsSync(SWIFTSHADER_ICD)) return { env: null, reason: `no Vulkan driver: no ICD manifest and no ${SWIFTSHADER_ICD} (apt-get install chromium libvulkan1)` };
    env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  if (!findVulkanLoader(env)) {
    const chromiumLoader = path.join(path.dirname(SWIFTSHADER_ICD), 'libvulkan.so.1');
    if (!fs.existsSync(chromiumLoader)) return { env: null, reason: 'no Vulkan loader: libvulkan.so.1 not found (apt-get install libvulkan1)' };
    env.LD_LIBRARY_PATH = [path.dirname(chromiumLoader), env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  }
  return { env, reason: `Vulkan drivers ${findVulkanDrivers(env).join(', ')}, loader ${findVulkanLoader(env)}` };
}
