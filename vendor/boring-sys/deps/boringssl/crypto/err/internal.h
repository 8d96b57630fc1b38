// Copyright 2017 The BoringSSL Authors
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     https://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

#ifndef OPENSSL_HEADER_CRYPTO_ERR_INTERNAL_H
#define OPENSSL_HEADER_CRYPTO_ERR_INTERNAL_H

#include <openssl/err.h>


BSSL_NAMESPACE_BEGIN

// Private error queue functions.

// ERR_SAVE_STATE contains a saved representation of the error queue. It is
// slightly more compact than `ERR_STATE` as the error queue will typically not
// contain `ERR_NUM_ERRORS` entries.
typedef struct err_save_state_st ERR_SAVE_STATE;

// ERR_SAVE_STATE_free releases all memory associated with `state`.
OPENSSL_EXPORT void ERR_SAVE_STATE_free(ERR_SAVE_STATE *state);

// ERR_save_state returns a newly-allocated `ERR_SAVE_STATE` structure
// containing the current state of the error queue or NULL on allocation
// error. It should be released with `ERR_SAVE_STATE_free`.
OPENSSL_EXPORT ERR_SAVE_STATE *ERR_save_state();

// ERR_restore_state clears the error queue and replaces it with `state`.
OPENSSL_EXPORT void ERR_restore_state(const ERR_SAVE_STATE *state);

BORINGSSL_MAKE_DELETER(ERR_SAVE_STATE, ERR_SAVE_STATE_free)

BSSL_NAMESPACE_END

#endif  // OPENSSL_HEADER_CRYPTO_ERR_INTERNAL_H
