"""Every sentence a student can read from a check, in one place.

Keeping them together lets the spelling test read all of them and keeps the
wording of a failure kind identical across notebooks. Placeholders use
``str.format`` names.
"""

# Failure kinds: the first words of every failing check, so that a student
# (and the feedback) can tell at a glance *what* went wrong.
KIND = {
    "type": "tipo incorrecto",
    "shape": "forma incorrecta",
    "dtype": "dtype incorrecto",
    "values": "valores incorrectos",
    "nonfinite": "valores no finitos (NaN o infinito)",
    "gradient_torch": "el gradiente no coincide con PyTorch",
    "gradient_numeric": "el gradiente no coincide con diferencias finitas",
    "unstable": "inestable para valores grandes",
    "exception": "error al ejecutar tu código",
    "not_implemented": "ejercicio sin resolver",
    "mutated": "la entrada fue modificada",
    "warning": "advertencia numérica",
    "missing_call": "no se usó la función pedida",
    "forbidden_call": "se usó una función no permitida",
    "statistics": "la distribución no es la pedida",
    "incomplete": "la prueba no llegó a completarse",
    "library": "biblioteca no permitida",
    "tampering": "el cuaderno manipula las pruebas",
}

TEXT = {
    "where_visible": "En la prueba con {case}:",
    "where_hidden": "En una prueba oculta ({dtype}, {ndim}-D):",
    "type": "{what} devolvió un objeto de tipo {got}; se esperaba un numpy.ndarray.",
    "type_hidden": "{what} devolvió un objeto que no es exactamente un numpy.ndarray (una lista, una subclase, un tensor…).",
    "type_torch": "Devuelve un arreglo de NumPy (por ejemplo, con np.asarray), no un tensor de PyTorch.",
    "shape": "{what} devolvió un arreglo de forma {got}; se esperaba la forma {expected}.",
    "dtype": "{what} devolvió dtype {got} para una entrada {input_dtype}; se aceptan: {allowed}.",
    "dtype_policy": "Política de dtype: entrada float64 → salida float64; entrada float32 → salida float32 o float64.",
    "nonfinite": "{what} devolvió {count} valores NaN o infinitos de {size}.",
    "values": (
        "{what} no coincide con {reference}: {count} de {size} elementos difieren; "
        "error absoluto máximo {max_abs:.3g}, error relativo máximo {max_rel:.3g} "
        "(tolerancia: rtol={rtol:g}, atol={atol:g})."
    ),
    "first_mismatch": "Primer elemento distinto, en el índice {index}: x = {x!r}, esperado {expected!r}, obtenido {got!r}.",
    "first_mismatch_no_x": "Primer elemento distinto, en el índice {index}: esperado {expected!r}, obtenido {got!r}.",
    "gradient_torch": (
        "{what} no coincide con el gradiente de {reference} calculado con autograd "
        "(gradiente de salida aleatorio): error relativo {error:.3g} (tolerancia {tol:g})."
    ),
    "gradient_numeric": (
        "{what} no es coherente con tu forward: el gradiente por diferencias finitas centrales "
        "difiere con un error relativo {error:.3g} (tolerancia {tol:g})."
    ),
    "numeric_forward": (
        "La prueba de diferencias finitas usa tu forward en x ± h: primero debe coincidir con {reference} "
        "en esos puntos; sin un forward correcto no da el punto."
    ),
    "gradient_numeric_task": (
        "{what} no coincide con el gradiente por diferencias finitas centrales de la pérdida: "
        "error relativo {error:.3g} (tolerancia {tol:g})."
    ),
    "gradient_hint": "Comprueba la derivada local y que la multiplicas por el gradiente que llega de la capa siguiente (grad_output).",
    "unstable_warning": "Con entradas grandes, {what} emitió una advertencia o desbordó ({warning}).",
    "unstable_values": "{what} produce valores no finitos o incorrectos con entradas grandes (|x| hasta {max_abs:g}).",
    "exception": "{what} lanzó {error}: {detail}",
    "not_implemented": "{what} todavía no está implementado (lanza NotImplementedError).",
    "mutated": "{what} modificó el arreglo de entrada; calcula el resultado en un arreglo nuevo.",
    "mutated_output": "{what} modificó el arreglo que devolvió forward (la capa siguiente lo usa); "
                      "guarda lo que necesites en un arreglo aparte.",
    "warning_note": "Además, tu código emitió advertencias: {warnings}.",
    "where_hidden_task": "En una prueba oculta ({dtype}):",
    "type_tuple": "{what} devolvió un objeto de tipo {got}; se esperaba una tupla de enteros.",
    "type_tuple_n": "{what} devolvió un objeto de tipo {got}; se esperaba una tupla con {n} elementos ({names}).",
    "type_scalar": "{what} devolvió un objeto de tipo {got}; se esperaba un número real.",
    "type_list": "{what} devolvió un objeto de tipo {got}; se esperaba una lista de arreglos.",
    "wrong_shape_value": "{what} devolvió {got}; se esperaba {expected}.",
    "expected_error": "{what} debía lanzar {error} con estos argumentos, pero devolvió un resultado.",
    "expected_other_error": "{what} debía lanzar {error} con estos argumentos, pero lanzó {got}.",
    "error_message_empty": "{what} lanzó {error} sin mensaje; explica en el mensaje qué está mal.",
    "statistics_bound": "{what}: hay valores fuera de [-{bound:.4g}, {bound:.4g}] (máximo |W| = {got:.4g}).",
    "statistics_moment": (
        "{what}: {moment} de la muestra = {got:.4g}, se esperaba {expected:.4g} ± {tol:.2g} "
        "(tolerancia de {z:g} errores típicos para {n} valores)."
    ),
    "not_reproducible": "{what} no depende solo del generador que recibe: con dos generadores de la misma "
                        "semilla debe dar los mismos números, y con otra semilla, otros. Saca los números "
                        "aleatorios del generador que recibe como argumento, no del generador global de NumPy.",
    "statistics_family": "La curtosis distingue las familias (uniforme 1,8; normal 3): se pedía una {family}.",
    "family_uniform": "distribución uniforme",
    "family_normal": "distribución normal",
    "statistics_hidden": "{what}: la {moment} de la muestra no es la esperada (fuera de {z:g} errores típicos).",
    "missing_call": "{what} no llamó a {functions}; este ejercicio pide resolverlo con esa función.",
    "forbidden_call": "{what} usa {functions}, que este ejercicio no permite: tienes que programarlo tú.",
    "passed": "Correcto: {what} (casos comprobados: {count}).",
    "passed_hidden": "Correcto: {what} (pruebas ocultas).",
    # Grading: what a student reads when a test cell could not be judged.
    "observed": "Observado: se comprueba fuera del cuaderno al corregir.",
    "incomplete": "Tu código no dejó ejecutar esta prueba hasta el final (no se obtuvieron sus resultados).",
    "not_run": "Esta prueba no se ejecutó: {reason}",
    "reason_timeout": "la celda {cell} superó el tiempo máximo de {seconds:g} s.",
    "reason_kernel_died": "el proceso de Python se detuvo en la celda {cell} (por ejemplo, por os._exit, "
                          "un fallo de memoria o una señal).",
    "reason_output_flood": "la celda {cell} escribió demasiada salida (más de {limit} bytes).",
    "reason_cell_error": "la celda de la prueba terminó con un error ({error}).",
    "disk_full": "La celda {cell} llenó el espacio en disco disponible al corregir ({limit} MB): "
                 "desde entonces no se pudo escribir nada más, tampoco los resultados de las pruebas.",
    "earlier_error": "Antes falló la celda {cell} ({error}): revisa que se ejecute sin errores.",
    "timed_out": "superó el tiempo máximo de {seconds:g} s",
    "torch_hint": "Durante la corrección solo se pueden importar las bibliotecas que permite el cuaderno "
                  "(NumPy, matplotlib y la biblioteca estándar de Python): PyTorch, SciPy, SymPy y mpmath no.",
    "library_not_allowed": "{library} ({package}) no está disponible en este cuaderno: las respuestas se escriben "
                           "con NumPy, matplotlib y la biblioteca estándar de Python, y al corregir no se puede "
                           "importar. Quita la importación y reinicia el kernel.",
    "unknown_library": "Una biblioteca no permitida",
    "libraries_loaded": "Tu sesión tiene importado {modules}. {explanation}",
    "tampering": "No se califica: la celda {cell} (línea {line}) accede a los mecanismos internos de Python o de "
                 "las pruebas, y las pruebas que se ejecutan después de ella no cuentan. Si crees que es un error, "
                 "habla con tu profesor.",
    "obfuscated_call": "{what} obtiene funciones de NumPy de forma indirecta (getattr con un nombre construido, "
                       "importlib o eval); en este ejercicio escribe las llamadas directamente.",
    "dummy_call": "{what} llama a {functions}, pero su resultado no depende de esa llamada: el resultado debe "
                  "calcularse con ella.",
    # Import errors inside a grading kernel (the sandbox writes them as stubs).
    "instructor_only": ("Esta parte del paquete «grader» solo la usa el profesor para corregir: no está "
                        "disponible en el kernel de un estudiante."),
    "torch_unavailable": ("PyTorch ({name}) no está disponible durante la corrección: las respuestas de este "
                          "curso se escriben con NumPy, y PyTorch es la referencia con la que se comparan."),
    "reason_not_reached": "el cuaderno no llegó a esta celda.",
    "output_truncated": "[Salida recortada: superó {limit} bytes.]",
    "demo_skipped": "[Celda de demostración: no se ejecuta al corregir.]",
    # Grading: what replaces a student's own text (grader.checks.student_text), which may carry hidden tests.
    "own_exception": "una excepción de una clase propia",
    "some_error": "un error",
    "own_class": "definido en tu código",
    "message_withheld": "(al corregir no se muestra el mensaje; ejecuta esta prueba en tu cuaderno para leerlo)",
    "where_hidden_only": "En una prueba oculta:",
}

# A failing hidden check, after grading: one fixed sentence per failure kind, never the check's own
# message (it would name the hidden case) nor anything the student's code wrote (grader.scoring).
HIDDEN = {
    "type": "tu código devolvió un objeto de un tipo distinto del pedido.",
    "shape": "el resultado no tiene la forma que corresponde a la entrada.",
    "dtype": "el dtype del resultado no sigue la política de dtype del cuaderno.",
    "values": "los valores no coinciden con la referencia dentro de la tolerancia.",
    "nonfinite": "el resultado tiene valores NaN o infinitos donde la referencia es finita.",
    "gradient_torch": "el gradiente no coincide con el que calcula autograd de PyTorch.",
    "gradient_numeric": "el gradiente no coincide con las diferencias finitas.",
    "unstable": "con entradas grandes tu código emite advertencias o da valores no finitos o incorrectos.",
    "exception": "tu código lanzó una excepción con una entrada distinta de las de las pruebas visibles.",
    "not_implemented": "el ejercicio sigue sin resolver (lanza NotImplementedError).",
    "mutated": "tu código modificó un arreglo que recibió o que devolvió.",
    "warning": "tu código emitió una advertencia numérica.",
    "missing_call": "tu código no llamó a la función que pide el ejercicio.",
    "forbidden_call": "tu código usa una función de NumPy que el ejercicio no permite.",
    "statistics": "la muestra no tiene la distribución pedida.",
    "incomplete": "la prueba no llegó a completarse.",
}

# The one-line verdicts of the feedback's score table (grader.grading.preprocessors.FeedbackOutline).
FEEDBACK = {
    "passed": "Correcto.",
    "manual": "Pendiente de revisión manual.",
    "exception": "{kind} ({error}).",
    "stderr": "La celda escribió en la salida de errores (stderr), y eso anula la prueba.",
    "no_points": "Sin puntos.",
    "no_response": "Sin respuesta: la celda está igual que en el enunciado.",
    "override": "Puntos asignados por el profesor: {score} de {points}. La corrección automática dio {auto}: {verdict}",
}

# Notices at the top of the feedback page about the whole notebook: scoring.score_notebook puts their keys
# in the graded notebook's metadata, grader.grading.preprocessors.FeedbackOutline shows them.
NOTICE = {
    "disk_full": "Durante la corrección, tu código llenó el espacio en disco disponible para cada cuaderno: "
                 "desde ese momento no pudo escribir más archivos.",
}


# Layers and models with parameters (grader.checks.model_checks), cross-entropy and unbroadcasting (06).
TEXT.update({
    "where_hidden_model": "En una prueba oculta ({dtype}):",
    "type_list_n": "{what} debe devolver una lista con {n} arreglos ({names}).",
    "parameters_layout": "{what} debe devolver una lista con los parámetros {expected}; devolvió: {got}.",
    "parameters_live": (
        "{what} no devolvió los arreglos de la capa, sino copias: al escribir en ellos, la capa no cambió. "
        "Devuelve los propios arreglos (por ejemplo, [self.w, self.b]) para que el optimizador pueda "
        "actualizarlos."
    ),
    "bias_not_zero": "{what}: el sesgo debe empezar con ceros.",
    "parameter_gradient_hint": (
        "Comprueba las traspuestas (el gradiente de un parámetro tiene su misma forma) y que el gradiente "
        "del sesgo se suma sobre el lote."
    ),
    "accumulate_sum": (
        "Después de dos llamadas a backward, los gradientes de {what} deben ser la suma de los dos "
        "gradientes: se acumulan con +=, como en PyTorch, no se sobrescriben."
    ),
    "zero_grad_zeros": "Después de zero_grad(), los gradientes de {what} deben ser arreglos de ceros.",
    "zero_grad_then_one": (
        "Después de zero_grad() y una sola llamada a backward, los gradientes de {what} deben ser los "
        "de esa llamada."
    ),
    "numeric_sample": (
        "{what} con {param} perturbado en ±h no coincide con {reference} con esos mismos valores: las "
        "diferencias finitas solo valen con un forward correcto que use los arreglos de {parameters}."
    ),
    "gradient_numeric_param": (
        "{what} no es coherente con tu forward: el gradiente respecto a {param} por diferencias finitas "
        "centrales difiere con un error relativo {error:.3g} (tolerancia {tol:g})."
    ),
    "unstable_task": (
        "{what} emitió una advertencia con logits grandes ({warning}). Resta el máximo de cada fila antes "
        "de calcular exp, y calcula el logaritmo sin pasar por las probabilidades."
    ),
})


# The picture under a failing visible activation check (grader.grading.feedback_plot): the student's curves
# against PyTorch's on a fixed grid of x between −6 and 6.
TEXT.update({
    "plot_forward": "{what}.forward(x)",
    "plot_function": "{what}(x)",
    "plot_backward": "{what}.backward(grad_output = {g:g})",
    "plot_autograd": "autograd de PyTorch",
    "plot_yours": "tu código",
    "plot_differ": "difieren",
    "plot_clipped": "tu código se sale de la escala: se dibuja en el borde",
    "plot_no_values": "tu código no devolvió un arreglo\ncon la forma de x (o lanzó un error)",
    "plot_alt": (
        "Gráfica de {what} frente a {reference} para x entre −6 y 6: a la izquierda, forward; a la derecha, "
        "backward. Las zonas sombreadas en rojo son aquellas donde tu código y PyTorch difieren."
    ),
    "plot_alt_function": (
        "Gráfica de {what} frente a {reference} para x entre −6 y 6. Las zonas sombreadas en rojo son "
        "aquellas donde tu código y PyTorch difieren."
    ),
    "plot_caption": (
        "Tu código (naranja, a trazos) frente a {reference} (azul) en {n} valores fijos de x entre −6 y 6; "
        "en rojo, las zonas donde difieren más que la tolerancia. A la derecha, backward recibe "
        "grad_output = {g:g} en todos los puntos, así que lo correcto es {g:g}·f′(x)."
    ),
    "plot_caption_function": (
        "Tu código (naranja, a trazos) frente a {reference} (azul) en {n} valores fijos de x entre −6 y 6; "
        "en rojo, las zonas donde difieren más que la tolerancia."
    ),
    "plot_same": "La gráfica de la prueba «{cell}» muestra tu código frente a PyTorch.",
})


# Training (grader.checks.training_checks): sgd_step and a training loop checked step by step (06, part 2).
TEXT.update({
    "sgd_case": "parámetros de formas {shapes} y lr = {lr:g}",
    "sgd_in_place": (
        "{what} no actualizó en su sitio los arreglos de la lista params: después de la llamada siguen "
        "teniendo sus valores (o la lista cambió). Actualiza cada arreglo en su sitio, por ejemplo con "
        "p -= lr * g; p = p - lr * g crea un arreglo nuevo y el modelo no lo ve."
    ),
    "sgd_grads_changed": "{what} modificó los gradientes; solo debe cambiar los parámetros.",
    "sgd_param": "El parámetro {k} después de {what}",
    "sgd_hint": "Un paso de descenso por gradiente es p ← p − lr · g: el signo menos y lr una sola vez.",
    "training_case": "{model}, puntos de la prueba y lr = {lr:g}",
    "training_other_layout": "otra lista (con otras formas o en otro orden)",
    "training_loss": "La pérdida que devolvió {what} en el paso {t}",
    "training_param": "El parámetro {param} después del paso {t}",
    "training_hint": (
        "El paso {t} se compara con un paso de torch.optim.SGD dado desde tus propios parámetros del paso "
        "anterior, con la entropía cruzada media de todo el lote. Comprueba el orden zero_grad, forward, "
        "backward, actualización; el signo de la actualización; que lr se aplica una sola vez; que los "
        "gradientes no se acumulan de un paso al siguiente; y el 1/n de la media, que aparece una sola vez."
    ),
    "training_accuracy": (
        "Después de {steps} pasos de {what}, tu red acierta el {accuracy:.1%} de los puntos de prueba "
        "(calculado con PyTorch a partir de tus parámetros finales); se pide al menos el {minimum:.0%}."
    ),
    "training_passed_sgd_step": "{what} da el paso de torch.optim.SGD en su sitio",
    "training_passed_steps": "cada paso de {what} coincide con un paso de torch.optim.SGD",
    "training_passed_accuracy": "la red entrenada con {what} acierta al menos el {minimum:.0%} de los puntos de prueba",
})


# Diagnoses: a known mistake the judge recognised in a failing check (grader.grading.diagnosis runs the trusted
# misconceptions of grader.grading.misconceptions on the inputs the student's code was observed on).
TEXT.update({
    "diagnosis": "Diagnóstico: {cause}",
    "diagnosis_either": "Diagnóstico (las pruebas no distinguen entre estos errores conocidos): {causes}",
})

DIAGNOSIS = {
    # Backward of any layer.
    "backward_no_grad_output": "Tu backward devuelve la derivada local sin multiplicarla por grad_output.",
    "backward_at_output": "Tu backward evalúa la derivada en la salida guardada de forward (y = f(x)) en lugar "
                          "de en la entrada x.",
    "backward_sign": "Tu backward devuelve el gradiente con el signo cambiado.",
    "backward_passes_grad_output": "Tu backward devuelve grad_output sin multiplicarlo por la derivada local.",
    "backward_zeros": "Tu backward devuelve ceros: el gradiente no se pierde al pasar por la capa.",
    "backward_returns_input": "Tu backward devuelve la entrada guardada de forward en lugar de un gradiente.",
    "backward_times_output": "Tu backward multiplica grad_output por la salida de forward en lugar de por la "
                             "derivada local.",
    "kink_right": "En x = 0 tu derivada toma el valor de la rama positiva; PyTorch toma el de la rama "
                  "negativa (la máscara es x > 0, no x >= 0).",
    "kink_half": "En x = 0 tu derivada vale 1/2 (la media de las dos ramas); PyTorch toma 0.",
    "kink_zero": "En x = 0 tu derivada vale 0 porque ninguna de las dos máscaras estrictas incluye el cero; "
                 "PyTorch toma la pendiente negativa.",
    "mask_from_grad_output": "Tu máscara sale del signo de grad_output; debe salir del signo de la entrada x.",
    "hyperparameter_ignored": "Tu forward no usa el hiperparámetro que recibe la capa al crearla: calcula "
                              "siempre con el valor por defecto.",
    "hyperparameter_ignored_backward": "Tu backward no usa el hiperparámetro que recibe la capa al crearla: "
                                       "calcula siempre con el valor por defecto.",
    "product_rule_forgotten": "A tu derivada le falta un término de la regla del producto: la derivada de "
                              "x·g(x) es g(x) + x·g′(x), y solo calculas g(x).",
    "product_rule_other_term": "A tu derivada le falta un término de la regla del producto: la derivada de "
                               "x·g(x) es g(x) + x·g′(x), y solo calculas x·g′(x).",
    "tanh_derivative_no_square": "Tu derivada de tanh es 1 − tanh; la derivada es 1 − tanh², con el cuadrado.",
    "forward_sign_exponent": "El exponente de tu forward tiene el signo cambiado: calculas f(−x).",
    # Sigmoid and tanh.
    "sigmoid_tanh_derivative": "Tu backward usa 1 − σ², la forma de la derivada de tanh; la de la sigmoide "
                               "es σ·(1 − σ).",
    "tanh_derivative_square": "Tu derivada es tanh²; la derivada de tanh es 1 − tanh².",
    "tanh_derivative_from_input": "Tu backward calcula 1 − x² con la entrada; la derivada es 1 − tanh(x)², "
                                  "con la salida.",
    "tanh_half_gradient": "Tu gradiente es la mitad del correcto: al derivar σ(2x) falta el factor 2 de la "
                          "regla de la cadena.",
    "tanh_half_argument": "Tu forward calcula tanh(x/2): en tanh(x) = 2σ(2x) − 1 falta el 2 dentro de la "
                          "sigmoide.",
    "tanh_abs": "Tu forward pierde el signo de x: calcula tanh(|x|) y no devuelve valores negativos.",
    # ReLU and leaky ReLU.
    "relu6": "Tu forward recorta también por arriba (en 6, como ReLU6); ReLU no tiene límite superior.",
    "leaky_max": "max(pendiente·x, x) solo es leaky ReLU si la pendiente es como mucho 1; con otras "
                 "pendientes elige la rama equivocada.",
    "leaky_slope_constant": "En la rama negativa devuelves la pendiente; debe ser la pendiente por x.",
    "leaky_slope_swapped": "Aplicas la pendiente a la rama positiva y dejas x en la negativa: las ramas "
                           "están intercambiadas.",
    # ELU and SELU.
    "elu_missing_minus_one": "En la rama negativa falta el −1: es alpha·(exp(x) − 1), no alpha·exp(x).",
    "elu_sign_flipped": "La rama negativa tiene el signo cambiado: es alpha·(exp(x) − 1), no alpha·(1 − exp(x)).",
    "elu_alpha_positive": "Multiplicas también la rama positiva por alpha; para x > 0 la salida es x.",
    "negative_branch_everywhere": "Tu backward usa la derivada de la rama negativa para todo x; para x > 0 la "
                                  "derivada es 1.",
    "selu_truncated_constants": "Tus constantes están truncadas (1,6733 y 1,0507): usa todas sus cifras.",
    "selu_scale_positive_only": "Multiplicas por scale solo la rama positiva; scale multiplica las dos ramas.",
    "selu_no_scale": "Falta el factor scale: tu forward es una ELU con alpha = 1,6733.",
    "selu_missing_minus_one": "En la rama negativa falta el −1: es scale·alpha·(exp(x) − 1).",
    "selu_no_alpha": "En la rama negativa falta alpha: es scale·alpha·(exp(x) − 1).",
    "selu_backward_no_scale": "Tu backward olvida el factor scale (es la derivada de una ELU).",
    "selu_backward_forward_formula": "Tu backward usa la fórmula de forward en la rama negativa: la derivada "
                                     "de scale·alpha·(exp(x) − 1) es scale·alpha·exp(x), sin el −1.",
    # GELU and the normal functions.
    "pdf_no_normalisation": "A tu densidad le falta el factor 1/√(2π).",
    "pdf_no_half": "En el exponente de tu densidad falta el 1/2: es exp(−x²/2).",
    "cdf_no_sqrt2": "Tu función de distribución usa erf(x); es (1 + erf(x/√2))/2.",
    "cdf_no_one": "A tu función de distribución le falta el 1 +: es (1 + erf(x/√2))/2.",
    "gelu_tanh_instead": "Tu forward usa la aproximación con tanh; aquí se pide la forma exacta con erf.",
    "gelu_tanh_backward": "Tu backward es la derivada de la aproximación con tanh, no la de la forma exacta.",
    "gelu_no_sqrt2": "Tu forward usa erf(x) en lugar de erf(x/√2).",
    "gelu_pdf_no_normalisation": "En tu backward, la densidad normal no tiene el factor 1/√(2π).",
    "gelu_tanh_sqrt_2pi": "Escribiste √(2π) donde la aproximación pide √(2/π).",
    "gelu_tanh_no_cube": "Falta el término cúbico 0,044715·x³ dentro de tanh.",
    "gelu_exact_instead": "Tu forward usa la forma exacta con erf; aquí se pide la aproximación con tanh.",
    "gelu_tanh_backward_no_cube": "Al derivar el argumento de tanh falta el término 3·0,044715·x² de la regla "
                                  "de la cadena.",
    # SiLU, softplus, mish.
    "silu_derivative_sign": "Tu derivada tiene un signo cambiado: es σ(x)·(1 + x·(1 − σ(x))).",
    "silu_derivative_wrong_term": "Tu derivada usa σ(x) donde va 1 − σ(x): es σ(x)·(1 + x·(1 − σ(x))).",
    "silu_sign_exponent": "El exponente de tu forward tiene el signo cambiado: calculas x·σ(−x).",
    "silu_gelu_approximation": "Tu forward es x·σ(1,702·x), la aproximación de GELU; SiLU es x·σ(x).",
    "softplus_no_inverse_beta": "Falta dividir entre beta: softplus es log(1 + exp(beta·x))/beta.",
    "softplus_derivative_no_beta": "Tu derivada es σ(x); con beta es σ(beta·x).",
    "softplus_derivative_times_beta": "Tu derivada sobra un factor beta: el 1/beta de softplus lo cancela, y "
                                      "queda σ(beta·x).",
    "softplus_no_threshold": "Tu forward no usa threshold: por encima de él, PyTorch devuelve x.",
    "softplus_threshold_on_x": "Comparas threshold con x; PyTorch lo compara con beta·x.",
    "softplus_linear_region_beta": "En la región lineal (beta·x > threshold) devuelves beta·x; PyTorch "
                                   "devuelve x.",
    "softplus_sigmoid_derivative": "Tu backward usa y·(1 − y), la derivada de la sigmoide; la de softplus es "
                                   "σ(beta·x).",
    "mish_tanh_of_x": "Tu forward calcula x·tanh(x); mish es x·tanh(softplus(x)).",
    "mish_chain_stops": "Tu regla de la cadena se detiene en tanh: falta multiplicar por la derivada de "
                        "softplus, σ(x).",
    # Softmax.
    "softmax_axis_ignored": "Tu softmax ignora axis: normaliza siempre a lo largo del último eje.",
    "softmax_axis_ignored_backward": "Tu backward ignora axis: suma siempre a lo largo del último eje.",
    "softmax_global_sum": "Normalizas con la suma de todo el arreglo; cada corte a lo largo de axis debe "
                          "sumar 1.",
    "softmax_log": "Devuelves log-softmax (logaritmos de probabilidades); se piden las probabilidades.",
    "softmax_global_max": "Restas el máximo de todo el arreglo, no el de cada corte: los cortes muy por "
                          "debajo de él se anulan y dan 0/0. Resta el máximo a lo largo de axis con "
                          "keepdims=True.",
    "softmax_no_max": "No restas el máximo antes de exp: con entradas grandes exp desborda y da inf/inf.",
    "softmax_jacobian_diagonal": "Tu backward usa solo la diagonal del jacobiano, s·(1 − s); faltan los "
                                 "términos fuera de la diagonal: s·(g − suma(g·s)).",
    "softmax_plain_sum": "Tu backward resta la suma de g; debe restar la suma de g·s a lo largo de axis.",
    "softmax_global_dot": "Tu backward suma g·s sobre todo el arreglo; la suma es por corte, a lo largo de axis.",
    "softmax_backward_from_input": "Tu backward usa la entrada x donde van las probabilidades s de forward.",
    "softmax_missing_factor": "A tu backward le falta el factor s: es s·(g − suma(g·s)).",
    # Chain rule (04).
    "mse_broadcast_trap": "pred tiene forma (n, 1) y target (n,): su resta se difunde a (n, n) y la media "
                          "mezcla todos los pares. Usa pred[:, 0] o target[:, None].",
    "mse_sum": "Tu pérdida suma los cuadrados; el error cuadrático medio los promedia (divide entre n).",
    "mse_grad_broadcast_trap": "pred tiene forma (n, 1) y target (n,): su resta se difunde a (n, n). Usa "
                               "target[:, None] para que el gradiente tenga la forma de pred.",
    "mse_grad_no_two": "A tu gradiente le falta el factor 2 de la derivada del cuadrado.",
    "mse_grad_sign": "Tu gradiente tiene el signo cambiado: es 2·(pred − target)/n.",
    "mse_grad_n_twice": "Divides entre n dos veces: el gradiente es 2·(pred − target)/n.",
    "mse_grad_wrong_variable": "Tu gradiente no depende de pred: derivas respecto a otra variable.",
    "mse_grad_flat": "Tu gradiente tiene forma (n,); debe tener la forma de pred, (n, 1).",
    "lin_grad_order": "Devuelves los gradientes en otro orden: la tupla es (dx, dw, db).",
    "db_wrong_axis": "Sumas db a lo largo de las características; se suma sobre el lote (axis=0).",
    "db_mean": "db es la media sobre el lote; debe ser la suma.",
    "db_not_summed": "db no está sumado sobre el lote: el sesgo se usa en cada ejemplo y sus gradientes se "
                     "suman.",
    "dw_transposed": "Tu dw está traspuesto: es x.T @ grad_output, con la forma de w.",
    "dx_reshaped": "Tu dx reordena w @ grad_output.T con reshape; es grad_output @ w.T.",
    "relu_derivative_skipped": "Tu paso hacia atrás no multiplica por la derivada de ReLU (la máscara z > 0).",
    "backward_wrong_order": "Calculas dw1 con el gradiente de antes de la máscara de ReLU; primero se aplica "
                            "la máscara.",
    "dw2_from_z": "Calculas dw2 con z (antes de ReLU); la segunda capa recibe h = ReLU(z).",
    "loss_broadcast_trap": "La pérdida que devuelves resta pred (n, 1) y target (n,), que se difunden a (n, n).",
    "relu_mask_from_output": "Tu máscara de ReLU sale de la salida de la red; debe salir de z.",
    "bias_forgotten": "Tu paso hacia delante olvida el sesgo b1.",
    "db2_scalar": "Tu db2 es un número; debe ser un arreglo de forma (1,), como b2.",
}


# How a visible case describes itself (``where_visible``'s {case}) and the short words that name what a check
# compared: the tasks' ``describe``, a layer case's label, the lines a passing check prints.
CASE = {
    "values": "x = {values} ({dtype})",
    "shape": "x de forma {shape}, {dtype}",
    "arguments": "argumentos: {arguments}",
    "argument_shape": "forma {shape}",
    "regression": "pred de forma {pred}, target de forma {target}",
    "relu_grad": "z y grad_output de forma {shape}, {dtype}",
    "images": "x de forma {shape} (N, C, H, W), {dtype}",
    "normalize": "x de forma {shape}, mean y std de forma {stats}, {dtype}",
    "point_sets": "a de forma {a}, b de forma {b}, {dtype}",
    "column_vector": "y_pred de forma {y_pred}, y de forma {y}",
    "weight_shape": "forma del peso {shape}",
    "initializer": "forma {shape}, rng = np.random.default_rng(semilla)",
    "unbroadcast": "grad de forma {grad}, shape = {shape}, {dtype}",
    "classification": "logits de forma {shape}, targets = {targets}, {dtype}",
    "linear": "Linear({d_in}, {d_out}) y x de forma {x}",
    "sequential": "Sequential(Linear({d0}, {d1}), {act}(), Linear({d1}, {d2}), {act}(), Linear({d2}, {d3})) y x de forma {x}",
    "sequential_label": "torch.nn.Sequential con {act}",
}

WORDS = {
    "autograd_of": "autograd de {reference}",
    "finite_differences": "diferencias finitas",
    "loss_float64": "la pérdida en float64",
    "channel_stats": "torch.mean / torch.std(unbiased=False) sobre (N, H, W)",
    "normalize": "PyTorch (media y desviación con forma (1, C, 1, 1))",
    "mean": "media",
    "std": "desviación típica",
    "kurtosis": "curtosis",
    "zero": "cero",
    "hidden": "oculto",
    "parameter": "el parámetro {name}",
    "input_x": "la entrada x",
    "object_of_type": "un objeto de tipo {type}",
    "cell_named": "«{grade_id}»",
    "cell_number": "número {number}",
}

# The line a passing check prints after «Correcto:» (``passed``/``passed_hidden``'s {what}).
PASSED = {
    "matches": "{what} coincide con {reference}",
    "backward_autograd": "{what}.backward coincide con autograd",
    "backward_numeric": "{what}.backward coincide con diferencias finitas",
    "stable": "{what} es estable con entradas grandes",
    "model_init": "{what} se inicializa como se pide",
    "model_backward": "{what}.backward y sus gradientes coinciden con autograd",
    "model_accumulation": "{what} acumula los gradientes y zero_grad los pone a cero",
    "model_numeric": "{what}.backward y sus gradientes coinciden con diferencias finitas",
    "task_hidden": "{what} ({reference})",
}

# The course summary's plot (grader.grading.summary), read by the instructor and shown to students' groups.
SUMMARY = {
    "grades_axis": "Nota del estudiante (% del máximo)",
    "students": "Estudiantes",
    "grades_title": "Distribución de notas",
    "passing_axis": "Estudiantes que superan la prueba (%)",
    "passing_title": "Aprobados por prueba (aprobados/calificados)",
    "no_submissions": "Todavía no hay entregas calificadas",
}


# An exception raised inside the student's code (grader.checks.raised): NumPy's fixed messages explained with
# their own numbers, others by type; then the line of the student's cell and the original message.
TEXT.update({
    "raised_broadcast": (
        "NumPy no pudo combinar arreglos de formas {shapes} (broadcasting): alineadas por la derecha, cada "
        "par de dimensiones debe ser igual o valer 1. Revisa las formas de tus operandos: ¿falta "
        "keepdims=True en una reducción, o un eje nuevo con None?"
    ),
    "raised_matmul": (
        "Un producto de matrices (@ o np.matmul) recibió operandos que no encajan: la dimensión que se "
        "contrae vale {left} en el primero y {right} en el segundo (la última del primero debe ser igual "
        "a la penúltima del segundo). ¿Falta trasponer uno de ellos?"
    ),
    "raised_dot": (
        "np.dot recibió arreglos de formas {a} y {b}, que no encajan: la dimensión que se contrae vale "
        "{left} en el primero y {right} en el segundo. ¿Falta trasponer uno de ellos?"
    ),
    "raised_reshape": "No se puede dar la forma {shape} a un arreglo de {size} elementos: el número de elementos "
                      "debe ser el mismo.",
    "raised_inplace": (
        "Una operación que escribe en un arreglo existente (+=, out=…) no cabe en él: ese arreglo tiene "
        "forma {out} y el resultado, forma {shape}."
    ),
    "raised_index": "El índice {index} se sale del eje {axis}, que tiene tamaño {size}.",
    "raised_axis": "El eje {axis} no existe en un arreglo de {ndim} dimensiones.",
    "raised_index_any": "Un índice o un eje se sale del arreglo (IndexError): revisa el rango de tus índices y el "
                        "eje al que se refieren.",
    "raised_type": (
        "Una llamada recibió argumentos que no esperaba, o un valor de un tipo que no admite la operación "
        "(TypeError): revisa cuántos argumentos pasas, sus nombres y sus tipos."
    ),
    "raised_line": "El error se produjo en la línea {line} de la celda de tu código.",
})

HIDDEN.update({
    "exception_shapes": "tu código lanzó un error de NumPy por formas incompatibles (broadcasting, producto de "
                        "matrices o reshape) con una entrada distinta de las de las pruebas visibles.",
    "exception_index": "tu código lanzó IndexError: un índice o un eje se sale del arreglo con una entrada "
                       "distinta de las de las pruebas visibles.",
    "exception_type": "tu código lanzó TypeError: una llamada recibió argumentos que no esperaba o un valor de "
                      "un tipo que no admite la operación.",
})


# Hints that name the mistake, where the generic one would point the wrong way.
TEXT.update({
    # Instability, by the NumPy function that warned (grader.checks.student_text.warned_function).
    "unstable_exp": "Reescribe el cálculo para que nunca evalúe {function} de un número grande y positivo.",
    "unstable_hyperbolic": (
        "{function} desborda cuando |x| pasa de unos 710: reescribe el cálculo con funciones que no desborden "
        "(por ejemplo, np.tanh) o con exp de números que no sean positivos."
    ),
    "unstable_log": (
        "Tu código evalúa {function} de 0 o de un número negativo (quizá un valor intermedio se anuló por "
        "redondeo): calcula el logaritmo sin pasar por ese valor."
    ),
    "unstable_divide": (
        "Una división ({function}) da 0/0, o divide por 0 o por infinito: evita que el denominador se anule "
        "o desborde."
    ),
    "unstable_arithmetic": (
        "Un cálculo intermedio ({function}) desborda o da ∞ − ∞: reorganiza el cálculo para que ningún "
        "valor intermedio crezca tanto."
    ),
    "unstable_other": "Reescribe el cálculo para que ningún valor intermedio desborde ni se anule.",
    "unstable_softmax_divide": (
        "Resta el máximo de cada corte a lo largo del eje (keepdims=True), no el de todo el arreglo: con el "
        "máximo global, un corte cuyos valores quedan muy por debajo da exp = 0 en todos sus elementos, y "
        "su normalización es 0/0."
    ),
    # Backward: the judge recognises two mistakes from the student's own output.
    "hint_ignores_grad_output": (
        "Tu backward devuelve la derivada local sin multiplicarla por grad_output, el gradiente que llega de "
        "la capa siguiente."
    ),
    "hint_jacobian_diagonal": (
        "Tu backward usa solo la diagonal de la jacobiana de softmax, s·(1 − s)·grad_output: cada salida "
        "depende de todas las entradas de su corte, y faltan los términos de fuera de la diagonal, −sᵢ·sⱼ."
    ),
    # The (n, 1) − (n,) trap: NumPy broadcasts the difference to an (n, n) matrix.
    "hint_column_minus_vector": (
        "Tu resultado es el que da restar un arreglo de forma (n, 1) y uno de forma (n,): NumPy hace "
        "broadcasting a una matriz (n, n) de todas las diferencias. Iguala las formas antes de restar "
        "(por ejemplo, indexando la columna con [:, 0])."
    ),
    "hint_loss_value": (
        "La pérdida es la media de (pred[:, 0] − target)²: revisa las formas antes de restar, como en mse."
    ),
    # A number compared with a number: no indices, no «elementos».
    "values_scalar": (
        "{what} no coincide con {reference}: se esperaba {expected!r} y se obtuvo {got!r} (error absoluto "
        "{abs_err:.3g}, error relativo {rel_err:.3g}; tolerancia: rtol={rtol:g}, atol={atol:g})."
    ),
    "values_scalar_hidden": (
        "{what} no coincide con {reference}: error absoluto {abs_err:.3g}, error relativo {rel_err:.3g} "
        "(tolerancia: rtol={rtol:g}, atol={atol:g})."
    ),
    # A tuple of integers whose elements are of another type (fans returning floats).
    "type_tuple_elements": "{what} devolvió una tupla con elementos de tipo {got}; se esperaba una tupla de enteros (int).",
})
