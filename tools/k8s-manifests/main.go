// Command k8s-manifests renders kustomizations the way `kubectl apply -k` does (kustomize's own Go API) and
// strictly decodes every rendered object into the official Kubernetes types, without a cluster.
//
//	k8s-manifests DIR...
//
// For each DIR it builds the kustomization, decodes each object with the client-go scheme and a strict JSON
// serializer (an unknown or misspelt field, a duplicate field or a wrong type is an error), checks names,
// labels, selectors and port names with apimachinery's validators, and prints one JSON document on stdout:
//
//	{"DIR": {"objects": [...rendered objects...], "notInScheme": ["monitoring.coreos.com/v1, Kind=ServiceMonitor malted", ...]}}
//
// Objects whose kind is not in the client-go scheme (custom resources such as the Prometheus Operator's
// ServiceMonitor) are printed too and listed in notInScheme, so the caller can check their shape itself.
// Every problem found is printed on stderr and the exit status is 1.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

type rendered struct {
	Objects     []json.RawMessage `json:"objects"`
	NotInScheme []string          `json:"notInScheme"`
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: k8s-manifests DIR...")
		os.Exit(2)
	}
	strict := kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme.Scheme, scheme.Scheme,
		kjson.SerializerOptions{Yaml: false, Pretty: false, Strict: true})
	fs := filesys.MakeFsOnDisk()
	out := map[string]rendered{}
	var problems []string

	for _, dir := range os.Args[1:] {
		// The defaults of `kubectl apply -k`: files only from inside the kustomization's own tree.
		resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, dir)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: kustomize build: %v", dir, err))
			continue
		}
		result := rendered{Objects: []json.RawMessage{}, NotInScheme: []string{}}
		for _, resource := range resources.Resources() {
			data, err := resource.MarshalJSON()
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %s: %v", dir, resource.CurId(), err))
				continue
			}
			result.Objects = append(result.Objects, data)
			where := fmt.Sprintf("%s: %s %s", dir, resource.GetKind(), resource.GetName())

			object, _, err := strict.Decode(data, nil, nil)
			if runtime.IsNotRegisteredError(err) {
				result.NotInScheme = append(result.NotInScheme, fmt.Sprintf("%s %s", resource.GetGvk().String(), resource.GetName()))
				continue
			}
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", where, err))
				continue
			}
			for _, problem := range check(object) {
				problems = append(problems, fmt.Sprintf("%s: %s", where, problem))
			}
		}
		sort.Strings(result.NotInScheme)
		out[dir] = result
	}

	for _, problem := range problems {
		fmt.Fprintln(os.Stderr, problem)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
	encoder := json.NewEncoder(os.Stdout)
	if err := encoder.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// check applies the apiserver's field validators that need no cluster: object and container names, labels,
// label selectors and port names. (The full per-kind validation lives in k8s.io/kubernetes, which is not meant
// to be imported.)
func check(object runtime.Object) []string {
	var errs field.ErrorList
	if accessor, ok := object.(metav1.Object); ok {
		for _, msg := range validation.IsDNS1123Subdomain(accessor.GetName()) {
			errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), accessor.GetName(), msg))
		}
		errs = append(errs, metavalidation.ValidateLabels(accessor.GetLabels(), field.NewPath("metadata", "labels"))...)
	}
	selector, template := podsOf(object)
	if selector != nil {
		errs = append(errs, metavalidation.ValidateLabelSelector(selector, metavalidation.LabelSelectorValidationOptions{}, field.NewPath("spec", "selector"))...)
	}
	if template != nil {
		path := field.NewPath("spec", "template")
		errs = append(errs, metavalidation.ValidateLabels(template.Labels, path.Child("metadata", "labels"))...)
		containers := append(append([]corev1.Container{}, template.Spec.InitContainers...), template.Spec.Containers...)
		if len(template.Spec.Containers) == 0 {
			errs = append(errs, field.Required(path.Child("spec", "containers"), "a pod needs a container"))
		}
		for i, container := range containers {
			cpath := path.Child("spec", "containers").Index(i)
			for _, msg := range validation.IsDNS1123Label(container.Name) {
				errs = append(errs, field.Invalid(cpath.Child("name"), container.Name, msg))
			}
			if container.Image == "" {
				errs = append(errs, field.Required(cpath.Child("image"), ""))
			}
			for j, port := range container.Ports {
				if port.Name == "" {
					continue
				}
				for _, msg := range validation.IsValidPortName(port.Name) {
					errs = append(errs, field.Invalid(cpath.Child("ports").Index(j).Child("name"), port.Name, msg))
				}
			}
		}
	}
	if service, ok := object.(*corev1.Service); ok {
		for i, port := range service.Spec.Ports {
			if port.Name != "" {
				for _, msg := range validation.IsValidPortName(port.Name) {
					errs = append(errs, field.Invalid(field.NewPath("spec", "ports").Index(i).Child("name"), port.Name, msg))
				}
			}
		}
	}
	messages := make([]string, 0, len(errs))
	for _, err := range errs {
		messages = append(messages, err.Error())
	}
	return messages
}

// podsOf returns the selector and pod template of the kinds that run pods.
func podsOf(object runtime.Object) (*metav1.LabelSelector, *corev1.PodTemplateSpec) {
	switch typed := object.(type) {
	case *appsv1.Deployment:
		return typed.Spec.Selector, &typed.Spec.Template
	case *appsv1.StatefulSet:
		return typed.Spec.Selector, &typed.Spec.Template
	case *appsv1.DaemonSet:
		return typed.Spec.Selector, &typed.Spec.Template
	case *batchv1.Job:
		return typed.Spec.Selector, &typed.Spec.Template
	}
	return nil, nil
}
