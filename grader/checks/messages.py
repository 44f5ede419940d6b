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
    "unstable_warning": "{what} emitió una advertencia con entradas grandes ({warning}).",
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
    "forbidden_call": "{what} llamó a {functions}; en este ejercicio tienes que programarlo tú.",
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
    "forbidden_call": "tu código llamó a una función que el ejercicio no permite.",
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
    "not_a_list": "devolvió {type}, no una lista",
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
