// Native float32 matrix products for CEFR Lab's TensorFlow.js kernels.
//
// TensorFlow.js on a CPU spends most of a GPT-2 training step in matrix products (the output layer over the
// 50,264-token vocabulary, the projections and the batched attention products). Its own kernels reach about
// 13 GFLOP/s (wasm) or 0.7 GFLOP/s (cpu) on the project's 2-core machine; OpenBLAS's sgemm reaches about 140.
// This addon exposes sgemm over Float32Arrays that TensorFlow.js already owns (the wasm heap or the cpu
// backend's arrays), so no data is copied: transposes are passed to BLAS as flags and batches (including
// broadcast batches) as per-item element offsets computed on the JavaScript side.
//
// It is written against the plain C N-API (node_api.h), so it needs no extra npm package and keeps working
// across Node versions with the same N-API version.

#include <node_api.h>
#include <cblas.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

bool Check(napi_env env, napi_status status, const char* what) {
  if (status == napi_ok) return true;
  napi_throw_error(env, nullptr, what);
  return false;
}

struct F32 {
  float* data = nullptr;
  size_t length = 0;
};

struct I32 {
  int32_t* data = nullptr;
  size_t length = 0;
};

bool GetF32(napi_env env, napi_value v, F32* out, const char* name) {
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  if (!is_ta) {
    std::string msg = std::string(name) + " must be a Float32Array";
    napi_throw_type_error(env, nullptr, msg.c_str());
    return false;
  }
  napi_typedarray_type type;
  void* data;
  napi_value ab;
  size_t offset;
  if (!Check(env, napi_get_typedarray_info(env, v, &type, &out->length, &data, &ab, &offset), "typedarray info")) return false;
  if (type != napi_float32_array) {
    std::string msg = std::string(name) + " must be a Float32Array";
    napi_throw_type_error(env, nullptr, msg.c_str());
    return false;
  }
  out->data = static_cast<float*>(data);
  return true;
}

bool GetI32(napi_env env, napi_value v, I32* out, const char* name) {
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  napi_typedarray_type type = napi_int8_array;
  void* data = nullptr;
  napi_value ab;
  size_t offset;
  if (is_ta) napi_get_typedarray_info(env, v, &type, &out->length, &data, &ab, &offset);
  if (!is_ta || type != napi_int32_array) {
    std::string msg = std::string(name) + " must be an Int32Array";
    napi_throw_type_error(env, nullptr, msg.c_str());
    return false;
  }
  out->data = static_cast<int32_t*>(data);
  return true;
}

bool GetInt(napi_env env, napi_value v, int64_t* out, const char* name) {
  if (napi_get_value_int64(env, v, out) != napi_ok) {
    std::string msg = std::string(name) + " must be a number";
    napi_throw_type_error(env, nullptr, msg.c_str());
    return false;
  }
  return true;
}

bool GetBool(napi_env env, napi_value v, bool* out) {
  napi_value b;
  if (napi_coerce_to_bool(env, v, &b) != napi_ok) return false;
  return napi_get_value_bool(env, b, out) == napi_ok;
}

bool GetDouble(napi_env env, napi_value v, double* out, const char* name) {
  if (napi_get_value_double(env, v, out) != napi_ok) {
    std::string msg = std::string(name) + " must be a number";
    napi_throw_type_error(env, nullptr, msg.c_str());
    return false;
  }
  return true;
}

// sgemmBatch(transA, transB, M, N, K, A, aOffsets, B, bOffsets, C, cStride, alpha, beta)
//   For each i in [0, aOffsets.length): C[i] = alpha * op(A[aOffsets[i]]) * op(B[bOffsets[i]]) + beta * C[i],
//   with op(A) of shape [M,K] (stored [K,M] when transA), op(B) of shape [K,N] (stored [N,K] when transB),
//   all row-major and dense, and C[i] starting at i * cStride. Offsets are in elements. Every access is
//   checked against the arrays' lengths before BLAS runs, so a wrong shape throws instead of crashing.
napi_value SgemmBatch(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  if (!Check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "arguments")) return nullptr;
  if (argc < 11) {
    napi_throw_error(env, nullptr, "sgemmBatch: expected at least 11 arguments");
    return nullptr;
  }
  bool ta = false, tb = false;
  int64_t M, N, K, cStride;
  F32 A, B, C;
  I32 aOff, bOff;
  double alpha = 1.0, beta = 0.0;
  if (!GetBool(env, argv[0], &ta) || !GetBool(env, argv[1], &tb)) return nullptr;
  if (!GetInt(env, argv[2], &M, "M") || !GetInt(env, argv[3], &N, "N") || !GetInt(env, argv[4], &K, "K")) return nullptr;
  if (!GetF32(env, argv[5], &A, "A") || !GetI32(env, argv[6], &aOff, "aOffsets")) return nullptr;
  if (!GetF32(env, argv[7], &B, "B") || !GetI32(env, argv[8], &bOff, "bOffsets")) return nullptr;
  if (!GetF32(env, argv[9], &C, "C") || !GetInt(env, argv[10], &cStride, "cStride")) return nullptr;
  if (argc > 11 && !GetDouble(env, argv[11], &alpha, "alpha")) return nullptr;
  if (argc > 12 && !GetDouble(env, argv[12], &beta, "beta")) return nullptr;
  if (M < 0 || N < 0 || K < 0 || cStride < 0 || M > INT32_MAX || N > INT32_MAX || K > INT32_MAX) {
    napi_throw_range_error(env, nullptr, "sgemmBatch: dimensions must be non-negative 32-bit integers");
    return nullptr;
  }
  const size_t batch = aOff.length;
  if (bOff.length != batch) {
    napi_throw_range_error(env, nullptr, "sgemmBatch: aOffsets and bOffsets differ in length");
    return nullptr;
  }
  const int64_t aSize = M * K, bSize = K * N, cSize = M * N;
  for (size_t i = 0; i < batch; i++) {
    const int64_t ao = aOff.data[i], bo = bOff.data[i], co = static_cast<int64_t>(i) * cStride;
    if (ao < 0 || bo < 0 || ao + aSize > static_cast<int64_t>(A.length) || bo + bSize > static_cast<int64_t>(B.length) ||
        co + cSize > static_cast<int64_t>(C.length)) {
      napi_throw_range_error(env, nullptr, "sgemmBatch: an offset or shape reaches outside its array");
      return nullptr;
    }
  }
  if (M == 0 || N == 0) return nullptr;
  const int lda = ta ? static_cast<int>(M) : static_cast<int>(K);
  const int ldb = tb ? static_cast<int>(K) : static_cast<int>(N);
  for (size_t i = 0; i < batch; i++) {
    float* c = C.data + static_cast<int64_t>(i) * cStride;
    if (K == 0) {  // BLAS leaves C alone when K is 0; the product of empty matrices is zero.
      for (int64_t j = 0; j < cSize; j++) c[j] = static_cast<float>(beta) * (beta == 0.0 ? 0.0f : c[j]);
      continue;
    }
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, static_cast<int>(M),
                static_cast<int>(N), static_cast<int>(K), static_cast<float>(alpha), A.data + aOff.data[i], lda,
                B.data + bOff.data[i], ldb, static_cast<float>(beta), c, static_cast<int>(N));
  }
  return nullptr;
}

// addRowBias(C, rows, cols, bias): C[r, c] += bias[c]; the bias of a fused dense layer.
napi_value AddRowBias(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (!Check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "arguments")) return nullptr;
  F32 C, bias;
  int64_t rows, cols;
  if (argc < 4 || !GetF32(env, argv[0], &C, "C") || !GetInt(env, argv[1], &rows, "rows") ||
      !GetInt(env, argv[2], &cols, "cols") || !GetF32(env, argv[3], &bias, "bias"))
    return nullptr;
  if (rows < 0 || cols < 0 || rows * cols > static_cast<int64_t>(C.length) || cols > static_cast<int64_t>(bias.length)) {
    napi_throw_range_error(env, nullptr, "addRowBias: shape reaches outside its array");
    return nullptr;
  }
  for (int64_t r = 0; r < rows; r++) {
    float* row = C.data + r * cols;
    for (int64_t c = 0; c < cols; c++) row[c] += bias.data[c];
  }
  return nullptr;
}

// softmaxRows(X, Y, rows, cols): Y[r] = softmax(X[r]) with the maximum subtracted first for stability
// (X and Y may be the same array). One pass for the maximum, one for exp and sum, one to scale.
napi_value SoftmaxRows(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (!Check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "arguments")) return nullptr;
  F32 X, Y;
  int64_t rows, cols;
  if (argc < 4 || !GetF32(env, argv[0], &X, "X") || !GetF32(env, argv[1], &Y, "Y") || !GetInt(env, argv[2], &rows, "rows") ||
      !GetInt(env, argv[3], &cols, "cols"))
    return nullptr;
  if (rows < 0 || cols <= 0 || rows * cols > static_cast<int64_t>(X.length) || rows * cols > static_cast<int64_t>(Y.length)) {
    napi_throw_range_error(env, nullptr, "softmaxRows: shape reaches outside its arrays");
    return nullptr;
  }
  for (int64_t r = 0; r < rows; r++) {
    const float* x = X.data + r * cols;
    float* y = Y.data + r * cols;
    float m = x[0];
    for (int64_t c = 1; c < cols; c++) m = x[c] > m ? x[c] : m;
    float sum = 0.0f;
    for (int64_t c = 0; c < cols; c++) {
      const float e = std::exp(x[c] - m);
      y[c] = e;
      sum += e;
    }
    const float inv = 1.0f / sum;
    for (int64_t c = 0; c < cols; c++) y[c] *= inv;
  }
  return nullptr;
}

// Weighted next-token cross-entropy: the log-sum-exp of each row is taken after subtracting the row maximum;
// rows with weight 0 (padding, untrained positions) are skipped and their targets never read.
bool CheckCrossEntropyArgs(napi_env env, const F32& X, int64_t rows, int64_t cols, const I32& targets, const F32& weights,
                           const F32& nll) {
  if (rows < 0 || cols <= 0 || rows * cols > static_cast<int64_t>(X.length) || static_cast<int64_t>(targets.length) < rows ||
      static_cast<int64_t>(weights.length) < rows || static_cast<int64_t>(nll.length) < rows) {
    napi_throw_range_error(env, nullptr, "crossEntropy: shape reaches outside its arrays");
    return false;
  }
  for (int64_t r = 0; r < rows; r++) {
    if (weights.data[r] != 0.0f && (targets.data[r] < 0 || targets.data[r] >= cols)) {
      napi_throw_range_error(env, nullptr, "crossEntropy: a target is outside the vocabulary");
      return false;
    }
  }
  return true;
}

// Run body(begin, end) over [0, rows) split across up to two threads (the machines this targets have few
// cores; BLAS already uses them for the products, and this loop is memory-bound beyond two).
template <typename F>
void ParallelRows(int64_t rows, int64_t work, F body) {
  const unsigned hw = std::thread::hardware_concurrency();
  const int64_t threads = (work < (1 << 20) || hw < 2 || rows < 2) ? 1 : 2;
  if (threads == 1) {
    body(0, rows);
    return;
  }
  const int64_t half = rows / 2;
  std::thread other([&] { body(half, rows); });
  body(0, half);
  other.join();
}

// crossEntropy(X, rows, cols, targets, weights, nll, G | null) -> sum_i w_i (logsumexp(X[i]) - X[i, t_i])
//   nll[i] receives each weighted row's negative log-likelihood (0 for rows of weight 0). When G is given, the
//   same pass also writes the gradient G[i] = w_i (softmax(X[i]) - onehot(t_i)): a training step always needs
//   both, and this computes each exponential once instead of once in the forward and again in the backward.
napi_value CrossEntropy(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  if (!Check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "arguments")) return nullptr;
  F32 X, weights, nll, G;
  I32 targets;
  int64_t rows, cols;
  if (argc < 7 || !GetF32(env, argv[0], &X, "X") || !GetInt(env, argv[1], &rows, "rows") || !GetInt(env, argv[2], &cols, "cols") ||
      !GetI32(env, argv[3], &targets, "targets") || !GetF32(env, argv[4], &weights, "weights") || !GetF32(env, argv[5], &nll, "nll"))
    return nullptr;
  napi_valuetype gType;
  napi_typeof(env, argv[6], &gType);
  const bool withGrad = gType != napi_null && gType != napi_undefined;
  if (withGrad && !GetF32(env, argv[6], &G, "G")) return nullptr;
  if (!CheckCrossEntropyArgs(env, X, rows, cols, targets, weights, nll)) return nullptr;
  if (withGrad && rows * cols > static_cast<int64_t>(G.length)) {
    napi_throw_range_error(env, nullptr, "crossEntropy: G is too small");
    return nullptr;
  }
  ParallelRows(rows, rows * cols, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      float* g = withGrad ? G.data + r * cols : nullptr;
      const float w = weights.data[r];
      if (w == 0.0f) {
        nll.data[r] = 0.0f;
        if (g) std::memset(g, 0, sizeof(float) * cols);
        continue;
      }
      const float* x = X.data + r * cols;
      float m = x[0];
      for (int64_t c = 1; c < cols; c++) m = x[c] > m ? x[c] : m;
      float sum = 0.0f;
      if (g) {
        for (int64_t c = 0; c < cols; c++) {
          const float e = std::exp(x[c] - m);
          g[c] = e;
          sum += e;
        }
      } else {
        for (int64_t c = 0; c < cols; c++) sum += std::exp(x[c] - m);
      }
      nll.data[r] = m + std::log(sum) - x[targets.data[r]];
      if (g) {
        const float scale = w / sum;
        for (int64_t c = 0; c < cols; c++) g[c] *= scale;
        g[targets.data[r]] -= w;
      }
    }
  });
  double total = 0.0;  // in row order and in double, so the result does not depend on the thread split
  for (int64_t r = 0; r < rows; r++) total += static_cast<double>(weights.data[r]) * static_cast<double>(nll.data[r]);
  napi_value result;
  napi_create_double(env, total, &result);
  return result;
}

napi_value BlasInfo(napi_env env, napi_callback_info) {
  napi_value obj, config, threads;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &config);
  napi_create_int32(env, openblas_get_num_threads(), &threads);
  napi_set_named_property(env, obj, "config", config);
  napi_set_named_property(env, obj, "threads", threads);
  return obj;
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int64_t n;
  if (!Check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "arguments")) return nullptr;
  if (argc < 1 || !GetInt(env, argv[0], &n, "threads")) return nullptr;
  if (n >= 1) openblas_set_num_threads(static_cast<int>(n));
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"sgemmBatch", nullptr, SgemmBatch, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"addRowBias", nullptr, AddRowBias, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmaxRows", nullptr, SoftmaxRows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"crossEntropy", nullptr, CrossEntropy, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"blasInfo", nullptr, BlasInfo, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
