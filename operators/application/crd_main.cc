// application-crd: writes the Application CRD generated from application_types.h.
//   application-crd [FILE...]   (stdout without FILE)
#include "application_types.h"

int main(int argc, char** argv) {
  return kop::CrdGeneratorMain(argc, argv, kop::CustomResourceDefinitionOf<application::Application>(),
                               "The Application custom resource: an image to run, which the application operator\n"
                               "turns into a ConfigMap, a Deployment and a Service.\n"
                               "Generated from operators/application/application_types.h by\n"
                               "`cmake --build build --target application-crds`; do not edit.");
}
