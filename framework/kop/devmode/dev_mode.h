// kop/devmode: the development mode of an operator: kop's embedded Kubernetes API server in
// the operator's own process, with the operator's CRDs installed, and its kubeconfig written
// for kubectl. An optional library (kop::devmode): link it into a development build only;
// the production binary then holds no embedded-server code.
//
//   return kop::OperatorMain(argc, argv, {
//       .name = "application-operator", ...,
//       .dev_mode = kop::devmode::EmbeddedApiServer({kApplicationCrdYaml})});
//
// Flags it adds: --embedded-apiserver (turns it on), --embedded-listen HOST:PORT (default
// 127.0.0.1:0, a free port), --embedded-kubeconfig PATH (default: a file in $TMPDIR).
#ifndef KOP_DEVMODE_DEV_MODE_H_
#define KOP_DEVMODE_DEV_MODE_H_

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "kop/manager/operator_main.h"

namespace kop::devmode {

// `crds`: CustomResourceDefinitions (YAML or JSON documents) to install at start. Messages
// for the person at the terminal (the server's URL, `export KUBECONFIG=...`) go to `out`.
std::shared_ptr<DevMode> EmbeddedApiServer(std::vector<std::string> crds, std::ostream& out = std::cout);
// The same with every CRD manifest (*.yaml, *.yml, *.json) of a folder, read at start.
std::shared_ptr<DevMode> EmbeddedApiServerWithCrdsFrom(std::string crds_dir, std::ostream& out = std::cout);

}  // namespace kop::devmode

#endif  // KOP_DEVMODE_DEV_MODE_H_
