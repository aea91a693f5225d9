/* provider: the registry of the providers this build has. */
#include "llm/provider.h"

#include <string.h>

static const llm_provider *const providers[] = {&llm_builtin};

const llm_provider *llm_provider_get(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof providers / sizeof providers[0]; i++)
        if (strcmp(providers[i]->name, name) == 0)
            return providers[i];
    return NULL;
}

const char *llm_provider_names(void)
{
    return "builtin";
}

int llm_provider_from_config(const char *name, const llm_provider **out, em_error *err)
{
    *out = llm_provider_get(name == NULL || name[0] == '\0' ? "builtin" : name);
    if (*out != NULL)
        return EM_OK;
    return em_error_set(err, EM_E_CONFIG, "LLM_PROVIDER=%.64s is not available in this build (it has: %s)",
                        name, llm_provider_names());
}
